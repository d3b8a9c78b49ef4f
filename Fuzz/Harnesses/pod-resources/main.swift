import DRAClaimReader
import FuzzSupport
import KubeAPI
import ProtobufWire

// kubelet's pod-resources List answer, decoded by hand over ProtobufWire. For
// the pod default/pod: what we decode, encoded again as a
// ListPodResourcesResponse, decodes the same. And any bytes, read as a
// schema-less message (every field, every nested message as deep as the
// reader allows), written back field by field, read the same.
let pod = ObjectKey(namespace: "default", name: "pod")

fuzz { input in
    if let resources = try? PodResources(listResponse: input, pod: pod) {
        let again = try? PodResources(listResponse: encode(resources), pod: pod)
        check(again == resources, "\(resources) encoded and decoded is \(again.map { "\($0)" } ?? "an error")")
    }
    guard let fields = try? walk(ProtobufReader(input)) else { return }
    var writer = ProtobufWriter()
    for field in fields {
        switch field.value {
        case .varint(let v): writer.uint64(field.number, v)
        case .fixed64(let v): writer.fixed64(field.number, v)
        case .fixed32(let v): writer.fixed32(field.number, v)
        case .lengthDelimited(let bytes): writer.bytes(field.number, bytes)
        }
    }
    let reread = try? walk(ProtobufReader(writer.bytes))
    check(reread.map { $0.map(\.number) == fields.map(\.number) && $0.map(\.value) == fields.map(\.value) } == true,
          "fields written back read differently")
}

/// The top-level fields; on the way every accessor is tried and every
/// length-delimited field is read as a message too, as far as it goes.
func walk(_ reader: ProtobufReader) throws(WireError) -> [WireField] {
    var reader = reader
    var fields: [WireField] = []
    while let field = try reader.next() {
        fields.append(field)
        _ = (try? field.uint64(), try? field.int32(), try? field.uint32(), try? field.sint64(), try? field.bool())
        _ = (try? field.fixed64(), try? field.fixed32(), try? field.double(), try? field.float())
        _ = (try? field.string(), try? field.varints())
        if let nested = try? field.message() { _ = try? walk(nested) }
    }
    return fields
}

func encode(_ resources: PodResources) -> [UInt8] {
    var writer = ProtobufWriter()
    writer.message(1) { entry in                                      // pod_resources
        entry.string(1, pod.name)
        entry.string(2, pod.namespace)
        entry.message(3) { container in                               // containers
            for (resource, ids) in resources.devices {
                container.message(2) { devices in                     // devices
                    devices.string(1, resource)
                    for id in ids { devices.string(2, id) }
                }
            }
            for claim in resources.claims {
                container.message(5) { dynamic in                     // dynamic_resources
                    dynamic.string(2, claim.claim.name)
                    dynamic.string(3, claim.claim.namespace)
                    for device in claim.devices {
                        dynamic.message(4) { r in                     // claim_resources
                            r.string(2, device.driver)
                            r.string(3, device.pool)
                            r.string(4, device.device)
                        }
                    }
                }
            }
        }
    }
    return writer.bytes
}
