import CNISpec
@testable import KubeAPIServerDouble
import Testing

/// The double reads the protobuf request bodies Go's client-go sends
/// (`application/vnd.kubernetes.protobuf`), as the real API server does.
@Suite struct DoubleProtobufBodiesTests {
    /// A minimal protobuf writer, independent of the double's reader.
    enum Wire {
        static func varint(_ value: UInt64) -> [UInt8] {
            var value = value, out: [UInt8] = []
            repeat {
                var byte = UInt8(value & 0x7f)
                value >>= 7
                if value != 0 { byte |= 0x80 }
                out.append(byte)
            } while value != 0
            return out
        }
        static func bytes(_ field: Int, _ payload: [UInt8]) -> [UInt8] {
            varint(UInt64(field << 3 | 2)) + varint(UInt64(payload.count)) + payload
        }
        static func string(_ field: Int, _ text: String) -> [UInt8] { bytes(field, Array(text.utf8)) }
        static func int(_ field: Int, _ value: UInt64) -> [UInt8] { varint(UInt64(field << 3)) + varint(value) }
        static func entry(_ field: Int, _ key: String, _ value: String) -> [UInt8] {
            bytes(field, string(1, key) + string(2, value))
        }
        /// `k8s\0` + runtime.Unknown{typeMeta, raw}.
        static func unknown(apiVersion: String, kind: String, raw: [UInt8]) -> [UInt8] {
            KubeProtobuf.magic + bytes(1, string(1, apiVersion) + string(2, kind)) + bytes(2, raw)
                + string(3, "") + string(4, "")
        }
    }

    @Test func podStatusUpdateTakesMetadataFromTheBodyAndSpecAndStatusFromTheStore() throws {
        // gogo-protobuf writes empty strings and zero times too; they stay out of the JSON.
        let metadata = Wire.string(1, "web") + Wire.string(2, "") + Wire.string(3, "default")
            + Wire.string(5, "uid-1") + Wire.string(6, "1005") + Wire.bytes(8, Wire.int(1, 1_700_000_000))
            + Wire.bytes(9, []) + Wire.entry(12, "k8s.v1.cni.cncf.io/network-status", "[{\"name\":\"cluster\"}]")
            + Wire.entry(12, "k8s.v1.cni.cncf.io/networks", "nad-1") + Wire.entry(11, "app", "web")
        let pod = Wire.bytes(1, metadata) + Wire.bytes(2, Wire.string(10, "node-a")) + Wire.bytes(3, [])
        let body = Wire.unknown(apiVersion: "v1", kind: "Pod", raw: pod)
        let stored: JSONValue = ["spec": ["nodeName": "node-a"], "status": ["phase": "Running"]]

        let json = try #require(KubeProtobuf.json(fromBody: body, stored: stored))
        #expect(json == [
            "kind": "Pod", "apiVersion": "v1",
            "metadata": [
                "name": "web", "namespace": "default", "uid": "uid-1", "resourceVersion": "1005",
                "creationTimestamp": "2023-11-14T22:13:20Z",
                "annotations": ["k8s.v1.cni.cncf.io/network-status": "[{\"name\":\"cluster\"}]",
                                "k8s.v1.cni.cncf.io/networks": "nad-1"],
                "labels": ["app": "web"],
            ],
            "spec": ["nodeName": "node-a"], "status": ["phase": "Running"],
        ])
    }

    @Test func eventIsDecodedInFull() throws {
        let event = Wire.bytes(1, Wire.string(1, "web.17a") + Wire.string(3, "default"))
            + Wire.bytes(2, Wire.string(1, "Pod") + Wire.string(2, "default") + Wire.string(3, "web")
                + Wire.string(4, "uid-1") + Wire.string(5, "v1"))
            + Wire.string(3, "AddedInterface") + Wire.string(4, "Add eth0 [10.0.0.2/24] from cluster")
            + Wire.bytes(5, Wire.string(1, "multus")) + Wire.bytes(6, Wire.int(1, 1_700_000_000))
            + Wire.bytes(7, Wire.int(1, 1_700_000_000)) + Wire.int(8, 1) + Wire.string(9, "Normal")
            + Wire.bytes(10, Wire.int(1, 1_700_000_000) + Wire.int(2, 123_456_789))
        let json = try #require(KubeProtobuf.json(fromBody: Wire.unknown(apiVersion: "v1", kind: "Event", raw: event),
                                                  stored: nil))
        #expect(json == [
            "kind": "Event", "apiVersion": "v1",
            "metadata": ["name": "web.17a", "namespace": "default"],
            "involvedObject": ["kind": "Pod", "namespace": "default", "name": "web", "uid": "uid-1", "apiVersion": "v1"],
            "reason": "AddedInterface", "message": "Add eth0 [10.0.0.2/24] from cluster",
            "source": ["component": "multus"],
            "firstTimestamp": "2023-11-14T22:13:20Z", "lastTimestamp": "2023-11-14T22:13:20Z",
            "count": 1, "type": "Normal", "eventTime": "2023-11-14T22:13:20.123456Z",
        ])
    }

    @Test func onlyProtobufRequestsAreTranslated() throws {
        let json = Array(#"{"kind":"Event"}"#.utf8)
        let request = DoubleRequest(method: "POST", path: "/api/v1/namespaces/default/events", query: [:],
                                    contentType: "application/json", body: json)
        #expect(request.decodingProtobuf(store: ObjectStore()).body == json)
        #expect(KubeProtobuf.json(fromBody: json, stored: nil) == nil)

        let protobuf = DoubleRequest(
            method: "POST", path: "/api/v1/namespaces/default/events", query: [:],
            contentType: "application/vnd.kubernetes.protobuf",
            body: Wire.unknown(apiVersion: "v1", kind: "Event", raw: Wire.string(3, "AddedInterface")))
        let translated = protobuf.decodingProtobuf(store: ObjectStore())
        #expect(translated.contentType == "application/json")
        #expect(try JSONValue(parsing: translated.body)["reason"] == "AddedInterface")
    }

    @Test(arguments: [(Int64(0), "1970-01-01T00:00:00Z"), (951_782_400, "2000-02-29T00:00:00Z"),
                      (4_102_444_799, "2099-12-31T23:59:59Z")])
    func timesAreRFC3339(seconds: Int64, text: String) {
        #expect(KubeProtobuf.rfc3339(seconds: seconds, micros: nil) == text)
    }
}
