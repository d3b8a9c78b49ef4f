import CNISpec
import Delegation
import KubeAPI
import Logging
import Synchronization
import SystemSupport
import TestSupport
import Testing
@testable import MultusCore

/// Log lines, for "logged once".
final class CapturedLog: @unchecked Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    var logger: Logger {
        Logger(label: "multus-test") { _ in CapturingHandler(log: self) }
    }
    func append(_ line: String) { lines.withLock { $0.append(line) } }

    struct CapturingHandler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            log.append("[\(event.level)] \(event.message)")
        }
    }
}

/// Devices of a DRA extended resource (KEP-5004) end to end through the
/// commands, on an in-memory cluster: which deviceID each network's plugin
/// gets, and the network data written into (and released from) the claim.
@Suite struct ClaimDeviceTests {
    static let resource = "intel.com/sriov_vf"
    static let claimName = "web-0-extended-resources-x7k2p"
    static let claim = ObjectKey(namespace: "default", name: claimName)
    static let driver = "sriov.example.com"
    static let request = "container-0-request-0"
    static let pod = ObjectKey(namespace: "default", name: "web-0")

    static func key(_ device: String) -> AllocatedDevice { .init(driver: driver, pool: "node-1", device: device) }

    /// web-0 asking `intel.com/sriov_vf: 2`; two NADs on that resource; the scheduler's claim with two VFs; the slice.
    static func cluster() -> InMemoryCluster {
        let cluster = InMemoryCluster()
        cluster.update { s in
            s.pods[pod] = Pod(json: [
                "metadata": ["name": "web-0", "namespace": "default", "uid": "uid-1",
                             "annotations": ["k8s.v1.cni.cncf.io/networks": "vf-a,vf-b"]],
                "spec": ["nodeName": "node-1"],
                "status": ["extendedResourceClaimStatus": [
                    "resourceClaimName": .string(claimName),
                    "requestMappings": [["containerName": "app", "resourceName": .string(resource), "requestName": .string(request)]],
                ]],
            ])
            s.slices = [ResourceSlice(json: [
                "apiVersion": "resource.k8s.io/v1", "kind": "ResourceSlice", "metadata": ["name": "node-1-sriov"],
                "spec": ["driver": .string(driver), "nodeName": "node-1", "pool": ["name": "node-1"],
                         "devices": .array([("vf-3", "0000:3b:02.3"), ("vf-1", "0000:3b:02.1")].map { name, id in
                             ["name": .string(name), "attributes": ["k8s.cni.cncf.io/deviceID": ["string": .string(id)],
                                                                    "k8s.cni.cncf.io/resourceName": ["string": .string(resource)]]]
                         })],
            ])]
        }
        cluster.addClaim([
            "apiVersion": "resource.k8s.io/v1", "kind": "ResourceClaim",
            "metadata": ["name": .string(claimName), "namespace": "default"],
            "status": ["allocation": ["devices": ["results": .array(["vf-3", "vf-1"].map {
                ["request": .string(request), "driver": .string(driver), "pool": "node-1", "device": .string($0)]
            })]]],
        ])
        for (name, type) in [("vf-a", "plug-b"), ("vf-b", "plug-c")] {
            cluster.addNAD(name, config: conf(name, type: type), annotations: ["k8s.v1.cni.cncf.io/resourceName": resource])
        }
        return cluster
    }

    static func fixture(_ cluster: InMemoryCluster, failures: [String: PluginOutput] = [:]) throws -> CommandFixture {
        try CommandFixture(extraConfig: #""kubeletRootDir":"/nonexistent/kubelet","#, delegates: [conf("net-a", type: "plug-a")],
                           failures: failures, cluster: cluster)
    }

    func claimWrites(_ cluster: InMemoryCluster) -> [ClaimDeviceStatus] { cluster.claimStatusWrites }

    /// The claim's `status.devices`, none when it has none.
    static func claimDevices(_ cluster: InMemoryCluster) -> [JSONValue] {
        cluster.snapshot.claims[claim]?.json["status"]?["devices"]?.arrayValue ?? []
    }

    @Test func eachNetworkGetsTheNextVFOfTheExtendedResource() throws {
        let cluster = Self.cluster()
        let f = try Self.fixture(cluster)
        defer { f.remove() }
        _ = try f.add()
        #expect(f.executor.calls("ADD").map { $0.stdin["deviceID"]?.stringValue } == [nil, "0000:3b:02.3", "0000:3b:02.1"])
        #expect(f.cached()?.compactMap(\.device?.claim?.device) == ["vf-3", "vf-1"])
        #expect(cluster.snapshot.reads == ["pod default/web-0", "nad default/vf-a", "nad default/vf-b",
                                           "claim default/\(Self.claimName)", "slices node-1/\(Self.driver)"])
    }

    @Test func theClaimGetsEachDevicesNetworkDataInTheNetworkStatusBatch() throws {
        let cluster = Self.cluster()
        let f = try Self.fixture(cluster)
        defer { f.remove() }
        _ = try f.add()
        let writes = cluster.snapshot.writes
        // One batch: network-status, one claim write for the claim, the three events.
        #expect(writes.count == 5)
        guard case .networkStatus = writes[0], case .claimDeviceStatus(let status) = writes[1] else {
            Issue.record("\(writes)")
            return
        }
        #expect(status == ClaimDeviceStatus(
            claim: Self.claim, fieldManager: "multus-swift-c0ffee", apiVersion: "v1",
            entries: [.init(device: Self.key("vf-3"), networkData: .init(interfaceName: "net1", ips: ["10.1.6.2/24"])),
                      .init(device: Self.key("vf-1"), networkData: .init(interfaceName: "net2", ips: ["10.1.6.2/24"]))]))
        let devices = cluster.snapshot.claims[Self.claim]?.json["status"]?["devices"]?.arrayValue ?? []
        #expect(devices.map { $0["networkData"]?["interfaceName"] } == ["net1", "net2"])
    }

    /// One VF that allows several allocations (DRAConsumableCapacity), given to
    /// the pod as two shares: both networks get the VF, each share its own
    /// network data, kept in the scratch cache so DEL releases both.
    @Test func eachShareOfASharedDeviceGetsItsOwnNetworkDataUntilDel() throws {
        let cluster = Self.cluster()
        let shares = ["2d4c6e80-0000-4000-8000-00000000000a", "2d4c6e80-0000-4000-8000-00000000000b"]
        cluster.addClaim([
            "apiVersion": "resource.k8s.io/v1", "kind": "ResourceClaim",
            "metadata": ["name": .string(Self.claimName), "namespace": "default"],
            "status": ["allocation": ["devices": ["results": .array(shares.map {
                ["request": .string(Self.request), "driver": .string(Self.driver), "pool": "node-1", "device": "vf-3",
                 "shareID": .string($0)]
            })]]],
        ])
        let f = try Self.fixture(cluster)
        defer { f.remove() }
        _ = try f.add()
        #expect(f.executor.calls("ADD").map { $0.stdin["deviceID"]?.stringValue } == [nil, "0000:3b:02.3", "0000:3b:02.3"])
        #expect(f.cached()?.compactMap(\.device?.claim?.shareID) == shares)
        #expect(Self.claimDevices(cluster).map { $0["shareID"]?.stringValue } == shares)
        #expect(Self.claimDevices(cluster).map { $0["networkData"]?["interfaceName"] } == ["net1", "net2"])

        try f.del()
        #expect(cluster.claimStatusWrites.last?.released == shares.map {
            AllocatedDevice(driver: Self.driver, pool: "node-1", device: "vf-3", shareID: $0)
        })
        #expect(Self.claimDevices(cluster).isEmpty)
    }

    @Test func aRefusedClaimWriteIsLoggedOnceAndTheAddSucceeds() throws {
        let cluster = Self.cluster()
        cluster.update { $0.failures["claim-status \(Self.claim)"] = .status(code: 403, reason: "Forbidden", message: "RBAC: nope") }
        let f = try Self.fixture(cluster)
        defer { f.remove() }
        let log = CapturedLog()
        var invocation = try f.invocation(.add)
        invocation.logger = log.logger
        _ = try AddCommand(invocation: invocation).run()
        #expect(f.executor.calls("DEL").isEmpty)
        let lines = log.all.filter { $0.contains("network data not written") }
        #expect(lines.count == 1, "\(log.all)")
        #expect(lines.first?.contains("403 Forbidden") == true && lines.first?.contains(Self.claimName) == true)
    }

    @Test func delReleasesTheClaimsDataWithItsOnlyRequestAndARepeatedDelMakesNone() throws {
        let cluster = Self.cluster()
        let f = try Self.fixture(cluster)
        defer { f.remove() }
        _ = try f.add()
        let (reads, writes) = (cluster.snapshot.reads.count, cluster.snapshot.writes.count)
        try f.del()
        #expect(cluster.snapshot.reads.count == reads, "DEL reads nothing")
        #expect(Array(cluster.snapshot.writes.dropFirst(writes)) == [.claimDeviceStatus(ClaimDeviceStatus(
            claim: Self.claim, fieldManager: "multus-swift-c0ffee", apiVersion: "v1", entries: [],
            released: [Self.key("vf-3"), Self.key("vf-1")]))])
        #expect(Self.claimDevices(cluster).isEmpty)
        try f.del()
        try f.del()
        #expect(cluster.snapshot.writes.count == writes + 1)
        #expect(cluster.snapshot.reads.count == reads)
    }

    @Test func aRefusedReleaseNeverFailsTheDel() throws {
        let cluster = Self.cluster()
        let f = try Self.fixture(cluster)
        defer { f.remove() }
        _ = try f.add()
        cluster.update { $0.failures["claim-status \(Self.claim)"] = .status(code: 403, reason: "Forbidden", message: "RBAC: nope") }
        let log = CapturedLog()
        var invocation = try f.invocation(.del)
        invocation.logger = log.logger
        try DelCommand(invocation: invocation).run()
        #expect(log.all.filter { $0.contains("network data not released") }.count == 1, "\(log.all)")
        #expect(f.executor.calls("DEL").count == 3)
    }

    @Test func aClaimStillHeldByAnUndeletedAttachmentIsReleasedByTheDelThatFreesIt() throws {
        let cluster = Self.cluster()
        let f = try Self.fixture(cluster, failures: [:])
        defer { f.remove() }
        _ = try f.add()
        let writes = cluster.snapshot.writes.count
        f.executor.setFailure("plug-c/DEL", RecordingExecutor.error(code: 11, msg: "try later"))
        #expect(failure { try f.del() }?.code == 11)
        #expect(cluster.snapshot.writes.count == writes, "vf-b's VF is still configured: the claim keeps its data")
        #expect(f.cached()?.first?.device?.claim?.device == "vf-1", "the cache still says which claim device")
        f.executor.setFailure("plug-c/DEL", nil)
        try f.del()
        #expect(Array(cluster.snapshot.writes.dropFirst(writes)) == [.claimDeviceStatus(ClaimDeviceStatus(
            claim: Self.claim, fieldManager: "multus-swift-c0ffee", apiVersion: "v1", entries: [], released: [Self.key("vf-1")]))])
    }

    /// GC of a sandbox the runtime no longer lists frees its claim data as its DEL would, under its own field manager.
    @Test func gcOfAStaleSandboxReleasesItsClaimData() throws {
        let cluster = Self.cluster()
        var f = try Self.fixture(cluster)
        defer { f.remove() }
        _ = try f.add()
        let writes = cluster.snapshot.writes.count
        f.config.validAttachments = [["containerID": "other", "ifname": "eth0"]]
        try GCCommand(invocation: f.invocation(.gc, containerID: "gc-caller")).run()
        #expect(f.executor.calls("DEL").count == 3)
        #expect(Array(cluster.snapshot.writes.dropFirst(writes)) == [.claimDeviceStatus(ClaimDeviceStatus(
            claim: Self.claim, fieldManager: "multus-swift-c0ffee", apiVersion: "v1", entries: [],
            released: [Self.key("vf-3"), Self.key("vf-1")]))])
        #expect(Self.claimDevices(cluster).isEmpty)
    }

    @Test func aFailedNetworkStatusWriteRollsBackAndReleasesWhatTheBatchWroteIntoTheClaim() throws {
        let cluster = Self.cluster()
        cluster.update { $0.failures["network-status \(Self.pod)"] = .status(code: 500, reason: "InternalError", message: "etcd") }
        let f = try Self.fixture(cluster)
        defer { f.remove() }
        #expect(failure { _ = try f.add() } != nil)
        #expect(f.executor.calls("DEL").count == 3)
        #expect(claimWrites(cluster).map(\.entries.count) == [2, 0])
        #expect(claimWrites(cluster).last?.released == [Self.key("vf-3"), Self.key("vf-1")])
        #expect(Self.claimDevices(cluster).isEmpty)
    }

    /// Both caches gone: the plan rebuilt from the pod assigns the extended resource's VFs exactly as ADD did.
    @Test func delRebuiltFromThePodAssignsTheExtendedResourcesDevicesAsAddDoes() throws {
        let cluster = Self.cluster()
        let f = try Self.fixture(cluster)
        defer { f.remove() }
        _ = try f.add()
        let added = f.executor.calls("ADD").map { $0.stdin["deviceID"]?.stringValue }
        try FileSystem.remove(f.scratchFile)
        TemporaryDirectory.removeTree(f.dir.file("cni/results"))
        try f.del()
        let deleted = f.executor.calls("DEL").map { $0.stdin["deviceID"]?.stringValue }
        #expect(added == [nil, "0000:3b:02.3", "0000:3b:02.1"])
        #expect(deleted == ["0000:3b:02.1", "0000:3b:02.3", nil])
        #expect(claimWrites(cluster).last?.released == [Self.key("vf-3"), Self.key("vf-1")], "and releases the claim's data")
    }

    @Test func aDeviceWhoseResourceNameDiffersFailsTheAddNamingClaimDeviceAndBothValues() throws {
        let cluster = Self.cluster()
        cluster.update { s in
            var json = s.slices[0].json
            json["spec"]?["devices"] = [["name": "vf-3", "attributes": [
                "k8s.cni.cncf.io/deviceID": ["string": "0000:3b:02.3"], "k8s.cni.cncf.io/resourceName": ["string": "sriov/vf"]]]]
            s.slices = [ResourceSlice(json: json)]
        }
        let f = try Self.fixture(cluster)
        defer { f.remove() }
        let error = failure { _ = try f.add() }
        let msg = error?.msg ?? ""
        #expect(msg.contains("default/\(Self.claimName)") && msg.contains("vf-3") && msg.contains("\"sriov/vf\"")
                && msg.contains("\"\(Self.resource)\""), "\(msg)")
        #expect(f.executor.calls.isEmpty)
        #expect(claimWrites(cluster).isEmpty)
    }
}
