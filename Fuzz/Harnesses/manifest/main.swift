import CNISpec
import FuzzSupport
import Glibc
@testable import KubeAPI
import SystemSupport

// A manifestDir is a folder of YAML or JSON files that users write by hand.
// Input: one byte, `j` for a .json file and anything else for .yaml, then
// the file. A file that does not parse must fail naming the file; each Pod,
// NAD, ResourceClaim and ResourceSlice in it is found and read as the planner
// reads it; and writing a pod's network-status back must leave a file that
// reads back with that one annotation changed and nothing else.
let folder = "/tmp/multus-swift-fuzz-manifest-\(getpid())"
try! FileSystem.makeDirectories(folder)
// Gone when libFuzzer exits after -max_total_time or -runs (exit runs atexit
// handlers); after a crash it stays, beside the input that caused it.
atexit {
    let folder = "/tmp/multus-swift-fuzz-manifest-\(getpid())"
    for name in FileSystem.list(folder) { try? FileSystem.remove(Paths.join(folder, name)) }
    rmdir(folder)
}
let networkStatus = "[{\n    \"name\": \"default/net-\u{e9}\",\n    \"ips\": [\"10.1.0.2\"],\n    \"dns\": {}\n}]"
let statusKey = WellKnownAnnotation.networkStatus

fuzz { input in
    var input = FuzzInput(input)
    let name = input.byte() == UInt8(ascii: "j") ? "objects.json" : "objects.yaml"
    for old in ["objects.yaml", "objects.json"] { try? FileSystem.remove(Paths.join(folder, old)) }
    let path = Paths.join(folder, name)
    try! FileSystem.writeAtomically(path, Array(input.rest))
    let state = ManifestDirectoryClusterState(directory: folder)

    let file: ManifestFile
    do { file = try ManifestFile(reading: path) } catch {
        check("\(error)".contains(path), "the error \(error) does not name the file")
        return
    }
    var firstPod: ObjectKey?
    for (_, object) in file.objects {
        guard let kind = object["kind"]?.stringValue, let name = object["metadata"]?["name"]?.stringValue else { continue }
        let key = ObjectKey(namespace: object["metadata"]?["namespace"]?.stringValue ?? "default", name: name)
        switch kind {
        case "Pod":
            guard let pod = try? state.pod(key) else { fatalError("pod \(key) is in the file but not found") }
            _ = (pod.annotations, pod.nodeName, pod.resourceClaimStatuses)
            firstPod = firstPod ?? key
        case "NetworkAttachmentDefinition":
            guard case .success(let nad?)? = state.networkAttachmentDefinitions([key]).first else {
                fatalError("NAD \(key) is in the file but not found")
            }
            _ = (nad.config, nad.resourceName)
        case "ResourceClaim":
            guard case .success(let claim?)? = state.resourceClaims([key]).first else {
                fatalError("ResourceClaim \(key) is in the file but not found")
            }
            _ = claim.allocationResults
        case "ResourceSlice":
            let slice = ResourceSlice(json: object)
            _ = state.resourceSlices(nodeName: slice.nodeName ?? "", drivers: [slice.driver])
            for device in object["spec"]?["devices"]?.arrayValue ?? [] {
                _ = slice.stringAttributes(ofDevice: device["name"]?.stringValue ?? "")
            }
        default:
            break
        }
    }

    guard let pod = firstPod, let location = file.location(of: "Pod", pod) else { return }
    do { try state.setNetworkStatus(of: pod, to: networkStatus) } catch {
        // Refusing is fine (say, annotations that are not a mapping), as long as it says so.
        check("\(error)".contains(path), "the error \(error) does not name the file")
        return
    }
    let written: ManifestFile
    do { written = try ManifestFile(reading: path) } catch {
        fatalError("the file does not read back after network-status was written: \(error)")
    }
    let found = try? state.pod(pod)
    check(found?.annotations[statusKey] == networkStatus,
          "network-status of \(pod) reads back as \(found?.annotations[statusKey].debugDescription ?? "no pod")")
    check(written.documents.count == file.documents.count
              && zip(written.documents, file.documents).enumerated().allSatisfy { i, pair in
                  i == location.document ? withoutStatus(pair.0, location) == withoutStatus(pair.1, location) : pair.0 == pair.1
              },
          "writing network-status changed more: \(file.documents.map { withoutStatus($0, location).serialized }) → \(written.documents.map { withoutStatus($0, location).serialized })")
}

/// The document with the pod's network-status gone, and its annotations if that left them empty or null.
func withoutStatus(_ document: JSONValue, _ location: ManifestFile.Location) -> JSONValue {
    func strip(_ pod: JSONValue) -> JSONValue {
        guard var annotations = pod["metadata"]?["annotations"] else { return pod }
        var pod = pod
        annotations[statusKey] = nil
        // Not `= nil` for both: JSONValue is ExpressibleByNilLiteral, so that would store null.
        let empty = annotations.isNull || annotations.objectValue?.isEmpty == true
        pod["metadata"]?["annotations"] = empty ? JSONValue?.none : annotations
        return pod
    }
    guard let item = location.item else { return strip(document) }
    guard var items = document["items"]?.arrayValue, item < items.count else { return document }
    items[item] = strip(items[item])
    var document = document
    document["items"] = .array(items)
    return document
}
