import CNISpec
import Foundation
import KubeAPI
import KubeAPIServerDouble
import TestSupport
import Testing
@testable import DRAClaimReader

/// `pod.status.extendedResourceClaimStatus` (KEP-5004): a pod asking for
/// `intel.com/sriov_vf: 2` served by a DRA driver, the scheduler's special
/// claim, and its request mappings, resolved as Go Multus master does.
@Suite("DRA extended resources")
struct ExtendedResourceTests {
    static let resource = "intel.com/sriov_vf"
    static let claimName = "pod0-extended-resources-x7k2p"
    static let request = "container-0-request-0"
    let claim = ObjectKey(namespace: "vf-test9", name: ExtendedResourceTests.claimName)
    let driver = Samples.driver

    var pod: Pod { Samples.pod(extended: (Self.claimName, [(Self.resource, Self.request)])) }

    /// The special claim: two VFs for one request (`count: 2`).
    var twoVFs: JSONValue { Samples.claim(Self.claimName, results: [(Self.request, "vf-a"), (Self.request, "vf-b")]) }

    static func slice(_ attributes: [(String, String?, String?)] = [("vf-a", "0000:3b:02.4", resource), ("vf-b", "0000:3b:02.2", resource)])
        -> JSONValue
    {
        Samples.slice("node-1-sriov", devices: attributes)
    }

    func device(_ name: String) -> AllocatedDevice { .init(driver: driver, pool: "node-1", device: name) }

    func build(_ cluster: CountingCluster, pod: Pod? = nil, resources: Set<String>? = [resource],
               checkpoint: String? = nil) throws(DeviceReaderError) -> ResourceMapBuilder.Report {
        let root = TemporaryDirectory("kubelet")
        defer { root.remove() }
        if let checkpoint { _ = try? root.write(DRACheckpoint.relativePath, checkpoint) }
        return try ResourceMapBuilder(kubeletRootDir: root.path, cluster: cluster).build(for: pod ?? self.pod, resources: resources)
    }

    @Test("the devices of the mapping's request serve its resource, in allocation order; each knows its claim device")
    func twoVFsOfOneRequest() throws {
        let cluster = CountingCluster(claims: [twoVFs], slices: [Self.slice()])
        let report = try build(cluster)
        #expect(report.map.deviceIDs(of: Self.resource) == ["0000:3b:02.4", "0000:3b:02.2"])
        #expect(report.map.devices(of: Self.resource).map(\.claim) == [
            .init(claim: claim, device: device("vf-a"), apiVersion: "v1"), .init(claim: claim, device: device("vf-b"), apiVersion: "v1"),
        ])
        #expect(cluster.claimReads == [claim])
        #expect(cluster.sliceLists == ["node-1/\(driver)"])
        #expect(report.claimSources.map(\.source) == [.api])
    }

    @Test("kubelet's DRA checkpoint serves the extended claim by its RequestNames: no claim GET")
    func fromTheDRACheckpoint() throws {
        let cluster = CountingCluster(slices: [Self.slice()])
        let checkpoint = Samples.draCheckpoint([Samples.draEntry(claim: Self.claimName, namespace: "vf-test9", podUIDs: ["pod-uid-1"],
                                                                 devices: ["vf-b", "vf-a"], request: Self.request)])
        let report = try build(cluster, checkpoint: checkpoint)
        #expect(report.map.deviceIDs(of: Self.resource) == ["0000:3b:02.2", "0000:3b:02.4"], "the checkpoint's order")
        #expect(cluster.claimReads.isEmpty)
        #expect(report.claimSources.map(\.source) == [.draCheckpoint])
        #expect(report.map.devices(of: Self.resource).first?.claim?.apiVersion == "v1", "from the slice")
    }

    @Test("a checkpoint entry without RequestNames cannot map requests: the claim is read instead")
    func checkpointWithoutRequestNames() throws {
        var entry = Samples.draEntry(claim: Self.claimName, namespace: "vf-test9", podUIDs: ["pod-uid-1"], devices: ["vf-a"])
        entry["DriverState"]?[Samples.driver]?["Devices"] = [["PoolName": "node-1", "DeviceName": "vf-a", "CDIDeviceIDs": []]]
        let cluster = CountingCluster(claims: [twoVFs], slices: [Self.slice()])
        let report = try build(cluster, checkpoint: Samples.draCheckpoint([entry]))
        #expect(report.map.deviceIDs(of: Self.resource) == ["0000:3b:02.4", "0000:3b:02.2"])
        #expect(cluster.claimReads == [claim])
    }

    @Test("two containers, two mappings on one resource: their requests' devices in mapping order")
    func twoContainers() throws {
        let claimJSON = Samples.claim(Self.claimName, results: [("container-1-request-0", "vf-b"), ("container-0-request-0", "vf-a")])
        let pod = Samples.pod(extended: (Self.claimName, [(Self.resource, "container-0-request-0"), (Self.resource, "container-1-request-0")]))
        let report = try build(CountingCluster(claims: [claimJSON], slices: [Self.slice()]), pod: pod)
        #expect(report.map.deviceIDs(of: Self.resource) == ["0000:3b:02.4", "0000:3b:02.2"])
    }

    @Test("the pod's other claims come first, then the extended claim's devices; all claims read in one batch")
    func afterTheOtherClaims() throws {
        let cluster = CountingCluster(
            claims: [Samples.claim("pod0-sriov-abcde", devices: ["vf-c"]), twoVFs],
            slices: [Self.slice([("vf-a", "0000:3b:02.4", Self.resource), ("vf-b", "0000:3b:02.2", Self.resource),
                                 ("vf-c", "0000:3b:02.7", Self.resource)])])
        let pod = Samples.pod(claims: [("sriov", "pod0-sriov-abcde")], extended: (Self.claimName, [(Self.resource, Self.request)]))
        let report = try build(cluster, pod: pod)
        #expect(report.map.deviceIDs(of: Self.resource) == ["0000:3b:02.7", "0000:3b:02.4", "0000:3b:02.2"])
        #expect(cluster.claimReads.map(\.name) == ["pod0-sriov-abcde", Self.claimName])
        #expect(cluster.sliceLists.count == 1)
    }

    @Test("a device without k8s.cni.cncf.io/resourceName fails, naming the claim, the device and the mapping's value")
    func missingResourceName() throws {
        let cluster = CountingCluster(claims: [twoVFs], slices: [Self.slice([("vf-a", "0000:3b:02.4", nil), ("vf-b", "0000:3b:02.2", Self.resource)])])
        let error = #expect(throws: DeviceReaderError.self) { try build(cluster) }
        #expect(error == .extendedDevice(claim: claim, device: "\(driver)/node-1/vf-a", request: Self.request, resource: Self.resource,
                                         problem: .noResourceName))
        let message = error?.description ?? ""
        #expect(message.contains("vf-test9/\(Self.claimName)") && message.contains("vf-a") && message.contains("\"\(Self.resource)\"")
                && message.contains("has no k8s.cni.cncf.io/resourceName"), "\(message)")
    }

    @Test("a device whose k8s.cni.cncf.io/resourceName differs fails, naming the claim, the device and both values")
    func differentResourceName() throws {
        let cluster = CountingCluster(claims: [twoVFs], slices: [Self.slice([("vf-a", "0000:3b:02.4", Self.resource), ("vf-b", "0000:3b:02.2", "sriov/vf")])])
        let error = #expect(throws: DeviceReaderError.self) { try build(cluster) }
        #expect(error?.description == "claim vf-test9/\(Self.claimName): device \(driver)/node-1/vf-b has k8s.cni.cncf.io/resourceName \"sriov/vf\", but the extended resource mapping of request \(Self.request) is \"\(Self.resource)\"")
    }

    @Test("a request the claim allocated nothing for, a device in no slice, a device without deviceID: errors, unlike in the claims path")
    func strictAboutEverything() throws {
        let noRequest = CountingCluster(claims: [Samples.claim(Self.claimName, results: [("other", "vf-a")])], slices: [Self.slice()])
        #expect(throws: DeviceReaderError.extendedRequestNotAllocated(claim: claim, request: Self.request, resource: Self.resource)) {
            try build(noRequest)
        }
        let notInSlice = CountingCluster(claims: [twoVFs], slices: [Self.slice([("vf-a", "0000:3b:02.4", Self.resource)])])
        let error = #expect(throws: DeviceReaderError.self) { try build(notInSlice) }
        #expect(error?.description.contains("vf-b") == true && error?.description.contains("no ResourceSlice of node node-1") == true)
        let noID = CountingCluster(claims: [twoVFs], slices: [Self.slice([("vf-a", nil, Self.resource), ("vf-b", "0000:3b:02.2", Self.resource)])])
        #expect(throws: DeviceReaderError.extendedDevice(claim: claim, device: "\(driver)/node-1/vf-a", request: Self.request,
                                                         resource: Self.resource, problem: .noDeviceID)) { try build(noID) }
    }

    @Test("mappings no network asks for (a GPU) are not resolved, so their devices need no CNI attributes")
    func onlyTheMappingsNetworksAskFor() throws {
        let gpuAndVF = Samples.claim(Self.claimName, results: [("container-0-request-0", "gpu-0"), ("container-0-request-1", "vf-a")])
        let pod = Samples.pod(extended: (Self.claimName, [("example.com/gpu", "container-0-request-0"), (Self.resource, "container-0-request-1")]))
        let cluster = CountingCluster(claims: [gpuAndVF], slices: [Self.slice([("gpu-0", nil, nil), ("vf-a", "0000:3b:02.4", Self.resource)])])
        let report = try build(cluster, pod: pod)
        #expect(report.map.resources.map(\.name) == [Self.resource])
        #expect(report.map.deviceIDs(of: Self.resource) == ["0000:3b:02.4"])
        // Go Multus resolves every mapping, and fails on the GPU.
        #expect(throws: DeviceReaderError.self) { try build(cluster, pod: pod, resources: nil) }
        // A pod whose only extended resource no network asks for: nothing is read.
        let gpuOnly = CountingCluster(claims: [gpuAndVF])
        let none = try build(gpuOnly, pod: Samples.pod(extended: (Self.claimName, [("example.com/gpu", "container-0-request-0")])))
        #expect(none.map.isEmpty && gpuOnly.claimReads.isEmpty && gpuOnly.sliceLists.isEmpty)
    }

    @Test("through the API server double: one GET of the special claim, one slice LIST")
    func onTheWire() async throws {
        let root = TemporaryDirectory("kubelet")
        defer { root.remove() }
        let pki = try KubeAPIServerDouble.makeTestPKI(in: root.path + "/pki")
        let server = try await KubeAPIServerDouble.start(pki: pki)
        _ = server.seed(twoVFs)
        _ = server.seed(Self.slice())
        try server.writeKubeconfig(to: root.path + "/kubeconfig", credential: .token("test-token"))
        let cluster = try APIServerClusterState.connect(kubeconfigPath: root.path + "/kubeconfig")
        let report = try ResourceMapBuilder(kubeletRootDir: root.path, cluster: cluster).build(for: pod, resources: [Self.resource])
        cluster.shutdown()
        await server.shutdown()
        #expect(report.map.deviceIDs(of: Self.resource) == ["0000:3b:02.4", "0000:3b:02.2"])
        #expect(server.requests.map { "\($0.method) \($0.path)" } == [
            "GET /apis/resource.k8s.io/v1/namespaces/vf-test9/resourceclaims/\(Self.claimName)",
            "GET /apis/resource.k8s.io/v1/resourceslices",
        ])
    }
}
