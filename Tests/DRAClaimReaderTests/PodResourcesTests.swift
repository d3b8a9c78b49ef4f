import Foundation
import KubeAPI
import ProtobufWire
import TestSupport
import Testing
import UnaryGRPC
@testable import DRAClaimReader

@Suite("kubelet pod-resources (gRPC List over the unix socket)")
struct PodResourcesTests {
    let pod = ObjectKey(namespace: "vf-test9", name: "pod0")

    @Test("List is a unary gRPC call; the pod's devices and DRA claims are kept, other pods left out")
    func listAgainstTheFakeServer() async throws {
        let root = TemporaryDirectory("kubelet")
        defer { root.remove() }
        try FileManager.default.createDirectory(atPath: root.path + "/pod-resources", withIntermediateDirectories: true)
        let answer = try PodResourcesAnswers.list([
            ("vf-test9", "other", [.init(devices: [("intel.com/sriov", ["0000:3b:02.7"])])]),
            ("vf-test9", "pod0", [
                .init(name: "app", devices: [("intel.com/sriov", ["0000:3b:02.3", "0000:3b:02.1"])],
                      claims: [("vf-test9", "pod0-sriov1", [(Samples.driver, "node-1", "0000-3b-02-1")])]),
                .init(name: "sidecar", devices: [("intel.com/sriov", ["0000:af:06.0"])],
                      claims: [("vf-test9", "pod0-sriov1", [(Samples.driver, "node-1", "0000-3b-02-1")])]),
            ]),
        ])
        let socket = root.path + "/" + PodResources.relativeSocketPath
        let server = try await FakePodResourcesServer.start(socketPath: socket) { _ in .message(answer) }
        defer { Task { await server.shutdown() } }

        let resources = try await PodResources.list(socketPath: socket, pod: pod)
        #expect(resources.devices.map(\.resource) == ["intel.com/sriov", "intel.com/sriov"])
        #expect(resources.devices.map(\.deviceIDs) == [["0000:3b:02.3", "0000:3b:02.1"], ["0000:af:06.0"]])
        #expect(resources.claims == [ClaimAllocation(claim: ObjectKey(namespace: "vf-test9", name: "pod0-sriov1"),
                                                     devices: [.init(driver: Samples.driver, pool: "node-1", device: "0000-3b-02-1")])],
                "a claim shared by two containers counts once")

        let calls = server.recordedCalls
        #expect(calls.count == 1)
        #expect(calls.first?.path == "/v1.PodResourcesLister/List")
        #expect(calls.first?.contentType == "application/grpc" && calls.first?.te == "trailers")
        #expect(calls.first?.body == [0, 0, 0, 0, 0], "an empty ListPodResourcesRequest, framed")
        await server.shutdown()
    }

    @Test("a grpc-status error is reported with its message and the socket")
    func grpcError() async throws {
        let root = TemporaryDirectory("kubelet")
        defer { root.remove() }
        let socket = root.path + "/kubelet.sock"
        let server = try await FakePodResourcesServer.start(socketPath: socket) { _ in
            .failure(code: 12, message: "unknown method List for service v1.PodResourcesLister")
        }
        let error = await #expect(throws: DeviceReaderError.self) { try await PodResources.list(socketPath: socket, pod: pod) }
        #expect(error?.description.contains("grpc-status 12: unknown method List") == true, "\(String(describing: error))")
        #expect(error?.description.contains(socket) == true)
        await server.shutdown()
    }

    @Test("an answer that is not a ListPodResourcesResponse is an error naming the socket")
    func malformedAnswer() async throws {
        let root = TemporaryDirectory("kubelet")
        defer { root.remove() }
        let socket = root.path + "/kubelet.sock"
        let server = try await FakePodResourcesServer.start(socketPath: socket) { _ in .message([0xFF, 0xFF, 0xFF]) }
        let error = await #expect(throws: DeviceReaderError.self) { try await PodResources.list(socketPath: socket, pod: pod) }
        #expect(error?.description.hasPrefix("kubelet pod-resources \(socket): the List answer is not") == true, "\(String(describing: error))")
        await server.shutdown()
    }

    @Test("a server that never answers times out")
    func timeout() async throws {
        let root = TemporaryDirectory("kubelet")
        defer { root.remove() }
        let socket = root.path + "/kubelet.sock"
        let server = try await FakePodResourcesServer.start(socketPath: socket) { _ in .silence }
        let call = UnaryGRPCCall(socketPath: socket, method: PodResources.listMethod, timeout: .milliseconds(200))
        let error = #expect(throws: UnaryGRPCError.self) { try call.call([]) }
        #expect(error?.description.contains("no answer within 200 ms") == true, "\(String(describing: error))")
        await server.shutdown()
    }

    @Test("a List answer of a busy node (over 64 KiB) arrives whole: the client keeps NIO's HTTP/2 windows open")
    func largeAnswer() async throws {
        let root = TemporaryDirectory("kubelet")
        defer { root.remove() }
        let socket = root.path + "/kubelet.sock"
        var pods: [(namespace: String, name: String, containers: [PodResourcesAnswers.Container])] = (0..<3000).map {
            ("busy", "pod-\($0)", [.init(devices: [("intel.com/sriov", ["0000:3b:\(String($0 % 256, radix: 16)).1"])])])
        }
        pods.append(("vf-test9", "pod0", [.init(devices: [("intel.com/sriov", ["0000:3b:02.3"])])]))
        let answer = try PodResourcesAnswers.list(pods)
        #expect(answer.count > 200_000)
        let server = try await FakePodResourcesServer.start(socketPath: socket) { _ in .message(answer) }
        let resources = try PodResources.list(socketPath: socket, pod: pod)
        #expect(resources.devices.map(\.deviceIDs) == [["0000:3b:02.3"]])
        await server.shutdown()
    }

    @Test("fields in any order, and fields a newer kubelet adds, are read as protobuf allows")
    func fieldOrderAndUnknownFields() throws {
        var w = ProtobufWriter()
        w.message(1) { entry in
            entry.message(3) { container in                     // containers before name and namespace
                container.message(2) { d in
                    d.string(2, "0000:3b:02.5")                   // device_ids before resource_name
                    d.string(1, "intel.com/sriov")
                    d.string(9, "a field from the future")
                }
                container.fixed64(42, 7)
            }
            entry.uint64(17, 1)
            entry.string(2, "vf-test9")
            entry.string(1, "pod0")
        }
        w.string(99, "top-level unknown")
        let resources = try PodResources(listResponse: w.bytes, pod: pod)
        #expect(resources.devices.map(\.resource) == ["intel.com/sriov"])
        #expect(resources.devices.map(\.deviceIDs) == [["0000:3b:02.5"]])
        #expect(try PodResources(listResponse: w.bytes, pod: ObjectKey(namespace: "vf-test9", name: "other")) == PodResources())
    }

    @Test("a truncated or grouped List answer is refused, naming what is wrong")
    func truncatedAnswer() throws {
        let answer = try PodResourcesAnswers.list([("vf-test9", "pod0", [.init(devices: [("intel.com/sriov", ["0000:3b:02.3"])])])])
        let error = #expect(throws: DeviceReaderError.self) { try PodResources(listResponse: Array(answer.dropLast(3)), pod: pod, socket: "s") }
        #expect(error?.description.hasPrefix("kubelet pod-resources s: the List answer is not a ListPodResourcesResponse: truncated protobuf message") == true,
                "\(String(describing: error))")
        let group = #expect(throws: DeviceReaderError.self) { try PodResources(listResponse: [0x0B, 0x0C], pod: pod, socket: "s") }
        #expect(group?.description.contains("protobuf groups are not supported") == true, "\(String(describing: group))")
    }
}
