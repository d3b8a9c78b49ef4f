import CNISpec
import Foundation
import KubeAPI
import KubeAPIServerDouble
import TestSupport
import Testing
@testable import DRAClaimReader

@Suite("ResourceMap from the node's sources")
struct ResourceMapBuilderTests {
    let driver = Samples.driver

    /// The seeds' multiple-resourceclaim scenario: two claims of one VF each,
    /// mapped by the slices' attributes to two resources (two NADs).
    var twoClaimsCluster: CountingCluster {
        CountingCluster(
            claims: [Samples.claim("pod0-sriov1-abcde", devices: ["0000-3b-02-1"]),
                     Samples.claim("pod0-sriov2-fghij", devices: ["0000-3b-02-2"])],
            slices: [Samples.slice("node-1-sriov", devices: [
                ("0000-3b-02-1", "0000:3b:02.1", "sriov1/vf"), ("0000-3b-02-2", "0000:3b:02.2", "sriov2/vf"),
                ("0000-3b-02-3", "0000:3b:02.3", "sriov1/vf"),
            ])])
    }
    let twoClaimsPod = Samples.pod(claims: [("sriov1", "pod0-sriov1-abcde"), ("sriov2", "pod0-sriov2-fghij")])

    @Test("two claims → two resources: one claim GET each, one slice LIST for the driver")
    func twoClaimsFromTheAPI() async throws {
        let root = TemporaryDirectory("kubelet")
        defer { root.remove() }
        let cluster = twoClaimsCluster
        let report = try await ResourceMapBuilder(kubeletRootDir: root.path, cluster: cluster).build(for: twoClaimsPod)
        #expect(report.map.deviceIDs(of: "sriov1/vf") == ["0000:3b:02.1"])
        #expect(report.map.deviceIDs(of: "sriov2/vf") == ["0000:3b:02.2"])
        #expect(Set(cluster.claimReads.map(\.name)) == ["pod0-sriov1-abcde", "pod0-sriov2-fghij"])
        #expect(cluster.sliceLists == ["node-1/\(driver)"])
        #expect(report.claimReads == 2 && report.sliceLists == 1)
        #expect(report.devicePluginSource == "none")
    }

    @Test("one claim with two VFs → both IDs on one resource, in allocation order")
    func oneClaimTwoDevices() async throws {
        let root = TemporaryDirectory("kubelet")
        defer { root.remove() }
        let cluster = CountingCluster(
            claims: [Samples.claim("pod0-sriov-xyz", namespace: "vf-test8", devices: ["0000-3b-02-4", "0000-3b-02-2"])],
            slices: [Samples.slice("s", devices: [("0000-3b-02-2", "0000:3b:02.2", "sriov/vf"), ("0000-3b-02-4", "0000:3b:02.4", "sriov/vf")])])
        let pod = Samples.pod(namespace: "vf-test8", claims: [("sriov", "pod0-sriov-xyz")])
        var map = try await ResourceMapBuilder(kubeletRootDir: root.path, cluster: cluster).build(for: pod).map
        #expect(map.take("sriov/vf") == "0000:3b:02.4")
        #expect(map.take("sriov/vf") == "0000:3b:02.2")
    }

    @Test("the DRA checkpoint names the claims' devices: no claim GET at all, the slices still listed once")
    func draCheckpointSavesTheClaimReads() async throws {
        let root = TemporaryDirectory("kubelet")
        defer { root.remove() }
        try root.write(DRACheckpoint.relativePath, Samples.draCheckpoint)
        // The claims are not even in the API: only the checkpoint knows them.
        let cluster = CountingCluster(slices: twoClaimsCluster.seededSlices)
        let report = try await ResourceMapBuilder(kubeletRootDir: root.path, cluster: cluster).build(for: twoClaimsPod)
        #expect(report.map.deviceIDs(of: "sriov1/vf") == ["0000:3b:02.1"])
        #expect(report.map.deviceIDs(of: "sriov2/vf") == ["0000:3b:02.2"])
        #expect(cluster.claimReads.isEmpty)
        #expect(cluster.sliceLists.count == 1)
        #expect(report.claimSources.map(\.source) == [.draCheckpoint, .draCheckpoint])
    }

    @Test("a static claim reused by a second pod: the checkpoint's entry for the first pod is not used")
    func staticClaimSecondPod() async throws {
        let root = TemporaryDirectory("kubelet")
        defer { root.remove() }
        try root.write(DRACheckpoint.relativePath,
                       Samples.draCheckpoint([Samples.draEntry(claim: "static-vf-claim", namespace: "vf-test7",
                                                               podUIDs: ["first-pod"], devices: ["0000-3b-02-1"])]))
        let cluster = CountingCluster(
            claims: [Samples.claim("static-vf-claim", namespace: "vf-test7", devices: ["0000-3b-02-3"])],
            slices: [Samples.slice("s", devices: [("0000-3b-02-1", "0000:3b:02.1", "sriov/vf"), ("0000-3b-02-3", "0000:3b:02.3", "sriov/vf")])])
        let second = Samples.pod(namespace: "vf-test7", uid: "second-pod", claims: [("vf", "static-vf-claim")])
        let report = try await ResourceMapBuilder(kubeletRootDir: root.path, cluster: cluster).build(for: second)
        #expect(report.map.deviceIDs(of: "sriov/vf") == ["0000:3b:02.3"], "the claim's current allocation")
        #expect(cluster.claimReads.map(\.name) == ["static-vf-claim"])
    }

    @Test("devices without both attributes are skipped with a note; the rest are mapped")
    func devicesWithoutAttributesSkipped() async throws {
        let root = TemporaryDirectory("kubelet")
        defer { root.remove() }
        let cluster = CountingCluster(
            claims: [Samples.claim("mixed", devices: ["gpu-0", "vf-0", "vf-1", "gone"])],
            slices: [Samples.slice("s", devices: [("gpu-0", nil, nil), ("vf-0", "0000:3b:02.0", "sriov/vf"), ("vf-1", "0000:3b:02.1", nil)])])
        let report = try await ResourceMapBuilder(kubeletRootDir: root.path, cluster: cluster)
            .build(for: Samples.pod(claims: [("c", "mixed")]))
        #expect(report.map.resources.map(\.name) == ["sriov/vf"])
        #expect(report.map.deviceIDs(of: "sriov/vf") == ["0000:3b:02.0"])
        #expect(report.notes.count == 3, "\(report.notes)")
        #expect(report.notes.contains { $0.contains("gpu-0") && $0.contains("k8s.cni.cncf.io/deviceID") })
        #expect(report.notes.contains { $0.contains("gone") && $0.contains("no ResourceSlice") })
    }

    @Test("a claim with no allocation is an error naming the claim; so is a missing claim")
    func unallocatedClaim() async throws {
        let root = TemporaryDirectory("kubelet")
        defer { root.remove() }
        let cluster = CountingCluster(claims: [Samples.claim("pending", devices: nil)])
        let builder = ResourceMapBuilder(kubeletRootDir: root.path, cluster: cluster)
        let error = await #expect(throws: DeviceReaderError.self) { try await builder.build(for: Samples.pod(claims: [("c", "pending")])) }
        #expect(error == .claimNotAllocated(ObjectKey(namespace: "vf-test9", name: "pending")))
        #expect(error?.description == "claim vf-test9/pending has no device allocation")
        let missing = await #expect(throws: DeviceReaderError.self) { try await builder.build(for: Samples.pod(claims: [("c", "ghost")])) }
        #expect(missing?.description.contains("vf-test9/ghost") == true)
    }

    @Test("device plugins: pod-resources when the socket exists, the checkpoint when it does not")
    func devicePluginSources() async throws {
        let root = TemporaryDirectory("kubelet")
        defer { root.remove() }
        try root.write(DevicePluginCheckpoint.relativePath, Samples.devicePluginCheckpoint)
        let pod = Samples.pod(uid: "pod-uid-1")
        let builder = ResourceMapBuilder(kubeletRootDir: root.path, cluster: nil)

        let fromCheckpoint = try await builder.build(for: pod)
        #expect(fromCheckpoint.devicePluginSource == "checkpoint")
        #expect(fromCheckpoint.map.deviceIDs(of: "intel.com/sriov_netdevice") == ["0000:3b:02.3", "0000:3b:02.1", "0000:af:06.0"])

        try FileManager.default.createDirectory(atPath: root.path + "/pod-resources", withIntermediateDirectories: true)
        let answer = try PodResourcesAnswers.list([("vf-test9", "pod0", [.init(devices: [("intel.com/sriov_netdevice", ["0000:3b:02.9"])])])])
        let server = try await FakePodResourcesServer.start(socketPath: builder.podResourcesSocket) { _ in .message(answer) }
        let fromSocket = try await builder.build(for: pod)
        #expect(fromSocket.devicePluginSource == "pod-resources")
        #expect(fromSocket.map.deviceIDs(of: "intel.com/sriov_netdevice") == ["0000:3b:02.9"])
        #expect(server.recordedCalls.count == 1)
        await server.shutdown()
    }

    @Test("pod-resources that fails falls back to the checkpoint, with a note")
    func podResourcesFailureFallsBack() async throws {
        let root = TemporaryDirectory("kubelet")
        defer { root.remove() }
        try root.write(DevicePluginCheckpoint.relativePath, Samples.devicePluginCheckpoint)
        try FileManager.default.createDirectory(atPath: root.path + "/pod-resources", withIntermediateDirectories: true)
        let builder = ResourceMapBuilder(kubeletRootDir: root.path, cluster: nil)
        let server = try await FakePodResourcesServer.start(socketPath: builder.podResourcesSocket) { _ in
            .failure(code: 14, message: "unavailable")
        }
        let report = try await builder.build(for: Samples.pod(uid: "pod-uid-1"))
        #expect(report.devicePluginSource == "checkpoint")
        #expect(report.notes.first?.contains("grpc-status 14") == true, "\(report.notes)")
        await server.shutdown()
    }

    @Test("pod-resources' DRA devices save the claim GET too; device-plugin IDs come before DRA IDs")
    func podResourcesDynamicResources() async throws {
        let root = TemporaryDirectory("kubelet")
        defer { root.remove() }
        try FileManager.default.createDirectory(atPath: root.path + "/pod-resources", withIntermediateDirectories: true)
        let cluster = twoClaimsCluster
        let builder = ResourceMapBuilder(kubeletRootDir: root.path, cluster: cluster)
        let answer = try PodResourcesAnswers.list([("vf-test9", "pod0", [.init(
            devices: [("sriov1/vf", ["0000:3b:02.8"])],
            claims: [("vf-test9", "pod0-sriov1-abcde", [(driver, "node-1", "0000-3b-02-1")])])])])
        let server = try await FakePodResourcesServer.start(socketPath: builder.podResourcesSocket) { _ in .message(answer) }
        let report = try await builder.build(for: twoClaimsPod)
        #expect(report.map.deviceIDs(of: "sriov1/vf") == ["0000:3b:02.8", "0000:3b:02.1"])
        #expect(report.map.deviceIDs(of: "sriov2/vf") == ["0000:3b:02.2"])
        #expect(cluster.claimReads.map(\.name) == ["pod0-sriov2-fghij"], "only the claim kubelet did not describe")
        #expect(report.claimSources.map(\.source) == [.podResources, .api])
        await server.shutdown()
    }

    @Test("a corrupted DRA checkpoint fails with the file's name")
    func corruptedDRACheckpoint() async throws {
        let root = TemporaryDirectory("kubelet")
        defer { root.remove() }
        try root.write(DRACheckpoint.relativePath, #"{"Data":"{}","Checksum":1}"#)
        let builder = ResourceMapBuilder(kubeletRootDir: root.path, cluster: twoClaimsCluster)
        let error = await #expect(throws: DeviceReaderError.self) { try await builder.build(for: twoClaimsPod) }
        #expect(error?.description.contains("\(root.path)/dra_manager_state") == true, "\(String(describing: error))")
        #expect(error?.description.contains("checksum mismatch") == true)
    }

    @Test("through the API server double: GET resourceclaims per claim, one LIST of resourceslices with node and driver selectors")
    func requestsOnTheWire() async throws {
        let root = TemporaryDirectory("kubelet")
        defer { root.remove() }
        let pki = try KubeAPIServerDouble.makeTestPKI(in: root.path + "/pki")
        let server = try await KubeAPIServerDouble.start(pki: pki)
        for object in twoClaimsCluster.seededClaims + twoClaimsCluster.seededSlices { _ = server.seed(object) }
        _ = server.seed(Samples.slice("node-2-sriov", node: "node-2", devices: [("0000-3b-02-1", "0000:5e:00.1", "sriov1/vf")]))
        try server.writeKubeconfig(to: root.path + "/kubeconfig", credential: .token("test-token"))
        let cluster = try APIServerClusterState.connect(kubeconfigPath: root.path + "/kubeconfig")
        let report = try await ResourceMapBuilder(kubeletRootDir: root.path, cluster: cluster).build(for: twoClaimsPod)
        await cluster.shutdown()
        await server.shutdown()
        #expect(report.map.deviceIDs(of: "sriov1/vf") == ["0000:3b:02.1"])
        #expect(server.requestCount(method: "GET", pathPrefix: "/apis/resource.k8s.io/v1/namespaces/vf-test9/resourceclaims/") == 2)
        let lists = server.requests.filter { $0.path == "/apis/resource.k8s.io/v1/resourceslices" }
        #expect(lists.count == 1)
        #expect(lists.first?.query["fieldSelector"] == "spec.nodeName=node-1,spec.driver=\(driver)")
        #expect(server.requests.count == 3)
    }
}

