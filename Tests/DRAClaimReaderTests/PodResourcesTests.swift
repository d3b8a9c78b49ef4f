import Foundation
import KubeAPI
import Testing
@testable import DRAClaimReader

@Suite("kubelet pod-resources (gRPC List over the unix socket)")
struct PodResourcesTests {
    let pod = ObjectKey(namespace: "vf-test9", name: "pod0")

    @Test("List is a unary gRPC call; the pod's devices and DRA claims are kept, other pods left out")
    func listAgainstTheFakeServer() async throws {
        let root = KubeletRoot()
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
        let root = KubeletRoot()
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
        let root = KubeletRoot()
        defer { root.remove() }
        let socket = root.path + "/kubelet.sock"
        let server = try await FakePodResourcesServer.start(socketPath: socket) { _ in .message([0xFF, 0xFF, 0xFF]) }
        let error = await #expect(throws: DeviceReaderError.self) { try await PodResources.list(socketPath: socket, pod: pod) }
        #expect(error?.description.hasPrefix("kubelet pod-resources \(socket): the List answer is not") == true, "\(String(describing: error))")
        await server.shutdown()
    }

    @Test("a server that never answers times out")
    func timeout() async throws {
        let root = KubeletRoot()
        defer { root.remove() }
        let socket = root.path + "/kubelet.sock"
        let server = try await FakePodResourcesServer.start(socketPath: socket) { _ in .silence }
        let call = GRPCUnaryCall(socketPath: socket, method: PodResources.listMethod, timeout: .milliseconds(200))
        let error = await #expect(throws: GRPCUnaryCall.Failure.self) { try await call.call([]) }
        #expect(error?.description.contains("no answer within 200 ms") == true, "\(String(describing: error))")
        await server.shutdown()
    }

    @Test("framing: messages split and joined, truncation and compression refused")
    func framing() throws {
        let body = GRPCFraming.frame([1, 2, 3]) + GRPCFraming.frame([])
        #expect(try GRPCFraming.messages(in: body) == [[1, 2, 3], []])
        #expect(throws: GRPCFraming.Failure.truncated(7)) { try GRPCFraming.messages(in: Array(body.prefix(7))) }
        #expect(throws: GRPCFraming.Failure.compressed) { try GRPCFraming.messages(in: [1, 0, 0, 0, 0]) }
    }
}
