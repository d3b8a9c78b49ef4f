import CNISpec
import Foundation
import KubeAPIServerDouble
import Testing

/// Device IDs for SR-IOV-style networks (COMPAT §8), end to end: the binary,
/// the API server double, kubelet files under a private kubeletRootDir, and
/// the recording `sriov` double. Each test asserts exactly what each network's
/// plugin received.
@Suite(.enabled(if: Harness.canRun && FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"),
                "needs root, the reference plugins and openssl"))
struct DeviceTests {
    struct Cluster {
        let fixture: DeviceFixture
        let server: KubeAPIServerDouble
        let kubeconfig: String
        var sandbox: Sandbox { fixture.sandbox }
        var config: String { fixture.multusConfig([("kubeconfig", .string(kubeconfig))]) }
        var podPath: String { "/api/v1/namespaces/\(fixture.namespace)/pods/\(fixture.podName)" }
        func claimPath(_ name: String) -> String { "/apis/resource.k8s.io/v1/namespaces/\(fixture.namespace)/resourceclaims/\(name)" }

        var networkStatus: [JSONValue] {
            let text = server.object(at: podPath)?["metadata"]?["annotations"]?["k8s.v1.cni.cncf.io/network-status"]?.stringValue
            return (text.flatMap { try? JSONValue(parsing: $0) }?.arrayValue) ?? []
        }
        var claimGets: Int { server.requestCount(method: "GET", pathPrefix: "/apis/resource.k8s.io/v1/namespaces/") }
        var sliceLists: Int { server.requestCount(method: "GET", pathPrefix: "/apis/resource.k8s.io/v1/resourceslices") }
        var claimStatusPatches: Int {
            server.requests.filter { $0.method == "PATCH" && $0.path.contains("/resourceclaims/") && $0.path.hasSuffix("/status") }.count
        }

        /// The claim's status.devices[] entry of `device`.
        func deviceStatus(_ claim: String, _ device: String) -> JSONValue? {
            server.object(at: claimPath(claim))?["status"]?["devices"]?.arrayValue?.first { $0["device"]?.stringValue == device }
        }
        func networkData(_ claim: String, _ device: String) -> JSONValue? { deviceStatus(claim, device)?["networkData"] }
    }

    private func withCluster(namespace: String = "vf-test9", _ seed: (DeviceFixture) -> [JSONValue],
                             _ body: (Cluster) async throws -> Void) async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let fixture = try DeviceFixture(sandbox: sandbox, namespace: namespace)
        let pki = try KubeAPIServerDouble.makeTestPKI(in: sandbox.dir + "/pki")
        let server = try await KubeAPIServerDouble.start(pki: pki)
        for object in seed(fixture) { _ = server.seed(object) }
        let kubeconfig = sandbox.dir + "/kubeconfig"
        try server.writeKubeconfig(to: kubeconfig, credential: .token("test-token"))
        do {
            try await body(Cluster(fixture: fixture, server: server, kubeconfig: kubeconfig))
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    /// What the sriov plugin must have been given for a device.
    /// An allocated device is in the plugin's config and its runtimeConfig; the
    /// selection's own `deviceID` (`inConfig: false`) only in runtimeConfig, as Go Multus.
    private func expectDevice(_ c: Cluster, _ ifName: String, network: String, deviceID: String, inConfig: Bool = true,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        let stdin = c.fixture.recorded("ADD", ifName)
        #expect(stdin?["type"] == "sriov", "\(ifName) ran sriov", sourceLocation: sourceLocation)
        #expect(stdin?["deviceID"]?.stringValue == (inConfig ? deviceID : nil), "\(ifName) deviceID", sourceLocation: sourceLocation)
        #expect(stdin?["pciBusID"]?.stringValue == (inConfig ? deviceID : nil), "\(ifName) pciBusID", sourceLocation: sourceLocation)
        let infoFile = "\(c.fixture.deviceInfoDir)/cni/\(network.replacingOccurrences(of: "/", with: "-"))-\(c.fixture.containerID)_\(ifName)"
        #expect(stdin?["runtimeConfig"] == ["CNIDeviceInfoFile": .string(infoFile), "deviceID": .string(deviceID)],
                "\(ifName) runtimeConfig", sourceLocation: sourceLocation)
    }

    // MARK: the seeds' scenarios

    @Test("two ResourceClaims → two NADs: each VF's PCI address goes to its network; a claim GET per claim, one slice LIST")
    func twoClaimsTwoNADs() async throws {
        try await withCluster({ f in
            [f.pod(networks: "vf-test1,vf-test2", claims: [("sriov1", "pod0-sriov1-7x2kq"), ("sriov2", "pod0-sriov2-9wd4m")]),
             f.nad("vf-test1", resource: "sriov1/vf"), f.nad("vf-test2", resource: "sriov2/vf"),
             f.claim("pod0-sriov1-7x2kq", devices: ["0000-3b-02-1"]), f.claim("pod0-sriov2-9wd4m", devices: ["0000-3b-02-2"]),
             DeviceFixture.slice(resourceOf: { $0 % 2 == 1 ? "sriov1/vf" : "sriov2/vf" })]
        }) { c in
            let add = try c.fixture.cni("ADD", c.config)
            #expect(add.status == 0, "\(add.stdout)")
            expectDevice(c, "net1", network: "vf-test9/vf-test1", deviceID: "0000:3b:02.1")
            expectDevice(c, "net2", network: "vf-test9/vf-test2", deviceID: "0000:3b:02.2")
            #expect(c.fixture.recorded("ADD", "eth0") == nil, "the cluster network is the bridge, not sriov")

            // Upstream's path: pod, 2 NADs, a GET per claim, a LIST per driver, the status write, 3 events;
            // and ours: one claim status apply per claim, in the status write's batch.
            #expect(c.server.requestCount(method: "GET", pathPrefix: c.podPath) == 1)
            #expect(c.server.requestCount(method: "GET", pathPrefix: "/apis/k8s.cni.cncf.io/") == 2)
            #expect(c.claimGets == 2)
            #expect(c.sliceLists == 1)
            #expect(c.claimStatusPatches == 2)
            #expect(c.server.requests.filter { $0.path.hasSuffix("/resourceslices") }.first?.query["fieldSelector"]
                    == "spec.nodeName=node-1,spec.driver=\(DeviceFixture.driver)")
            #expect(c.server.requests.count == 12, "\(c.server.requests.map { "\($0.method) \($0.path)" })")
            #expect(c.networkData("pod0-sriov1-7x2kq", "0000-3b-02-1")?["interfaceName"] == "net1")
            #expect(c.networkData("pod0-sriov2-9wd4m", "0000-3b-02-2")?["interfaceName"] == "net2")

            c.server.resetCounters()
            let del = try c.fixture.cni("DEL", c.config)
            #expect(del.status == 0, "\(del.stdout)")
            #expect(c.fixture.recorded("DEL", "net2")?["deviceID"]?.stringValue == "0000:3b:02.2", "DEL gets the same config")
            #expect(c.sandbox.cacheFiles().isEmpty)
            #expect(c.server.requests.map { "\($0.method) \($0.path)" } == [
                "PATCH \(c.claimPath("pod0-sriov1-7x2kq"))/status", "PATCH \(c.claimPath("pod0-sriov2-9wd4m"))/status",
            ], "DEL's only requests: releasing each claim's network data")
            #expect(c.networkData("pod0-sriov1-7x2kq", "0000-3b-02-1") == nil)
            #expect(try c.fixture.cni("DEL", c.config).status == 0)
            #expect(c.server.requests.count == 2, "a repeated DEL makes none")
        }
    }

    @Test("one claim with two VFs → two NADs on one resource get the first and the second VF")
    func oneClaimTwoVFs() async throws {
        try await withCluster(namespace: "vf-test8", { f in
            [f.pod(networks: "vf-test1,vf-test1@net5", claims: [("sriov", "pod0-sriov-p8x7v")]),
             f.nad("vf-test1", resource: "sriov/vf"),
             f.claim("pod0-sriov-p8x7v", devices: ["0000-3b-02-4", "0000-3b-02-2"]),
             DeviceFixture.slice(resourceOf: { _ in "sriov/vf" })]
        }) { c in
            let add = try c.fixture.cni("ADD", c.config)
            #expect(add.status == 0, "\(add.stdout)")
            expectDevice(c, "net1", network: "vf-test8/vf-test1", deviceID: "0000:3b:02.4")
            expectDevice(c, "net5", network: "vf-test8/vf-test1", deviceID: "0000:3b:02.2")
            #expect(c.claimGets == 1 && c.sliceLists == 1)
            #expect(try c.fixture.cni("DEL", c.config).status == 0)
        }
    }

    @Test("a static ResourceClaim used by a second pod after the first was deleted: the second pod gets the claim's new VF")
    func staticClaimReused() async throws {
        try await withCluster(namespace: "vf-test7", { f in
            [f.pod(networks: "vf-test1", claims: [("vf", "static-vf-claim")]), f.nad("vf-test1", resource: "sriov/vf"),
             f.claim("static-vf-claim", devices: ["0000-3b-02-1"]), DeviceFixture.slice(resourceOf: { _ in "sriov/vf" })]
        }) { c in
            // kubelet prepared the claim for the first pod.
            try c.fixture.writeKubeletFile(c.fixture.draCheckpoint([("static-vf-claim", ["0000-3b-02-1"])]), "dra_manager_state")
            #expect(try c.fixture.cni("ADD", c.config).status == 0)
            expectDevice(c, "net1", network: "vf-test7/vf-test1", deviceID: "0000:3b:02.1")
            #expect(c.claimGets == 0, "the checkpoint named the device")
            #expect(try c.fixture.cni("DEL", c.config).status == 0)
            c.server.deleteObject(at: c.podPath)

            // The claim is reallocated (another VF) and a second pod of the same name uses it; the
            // checkpoint still holds the first pod's entry.
            let second = try DeviceFixture(sandbox: c.sandbox, namespace: "vf-test7", podName: "pod0")
            _ = c.server.seed(second.pod(networks: "vf-test1", claims: [("vf", "static-vf-claim")]))
            c.server.updateObject(at: c.claimPath("static-vf-claim")) { claim in
                claim["status"]?["allocation"]?["devices"]?["results"] =
                    [["request": "vf", "driver": .string(DeviceFixture.driver), "pool": "node-1", "device": "0000-3b-02-3"]]
            }
            try FileManager.default.removeItem(atPath: second.recordedDir)
            let add = try second.cni("ADD", c.config)
            #expect(add.status == 0, "\(add.stdout)")
            #expect(second.recorded("ADD", "net1")?["deviceID"]?.stringValue == "0000:3b:02.3")
            #expect(second.recorded("ADD", "net1")?["pciBusID"]?.stringValue == "0000:3b:02.3")
            #expect(c.claimGets == 1, "the stale checkpoint entry was not used; the claim was read")
            #expect(try second.cni("DEL", c.config).status == 0)
        }
    }

    @Test("DRA checkpoint: the claims are absent from the API and no claim is read; the slices still map the devices")
    func draCheckpointWithoutClaimReads() async throws {
        try await withCluster({ f in
            [f.pod(networks: "vf-test1,vf-test2", claims: [("sriov1", "pod0-sriov1-7x2kq"), ("sriov2", "pod0-sriov2-9wd4m")]),
             f.nad("vf-test1", resource: "sriov1/vf"), f.nad("vf-test2", resource: "sriov2/vf"),
             DeviceFixture.slice(resourceOf: { $0 % 2 == 1 ? "sriov1/vf" : "sriov2/vf" })]
        }) { c in
            try c.fixture.writeKubeletFile(c.fixture.draCheckpoint([("pod0-sriov1-7x2kq", ["0000-3b-02-1"]),
                                                                    ("pod0-sriov2-9wd4m", ["0000-3b-02-2"])]), "dra_manager_state")
            let add = try c.fixture.cni("ADD", c.config)
            #expect(add.status == 0, "\(add.stdout)")
            expectDevice(c, "net1", network: "vf-test9/vf-test1", deviceID: "0000:3b:02.1")
            expectDevice(c, "net2", network: "vf-test9/vf-test2", deviceID: "0000:3b:02.2")
            #expect(c.claimGets == 0)
            #expect(c.sliceLists == 1)
            // pod, 2 NADs, 1 slice LIST, the status write, 3 events: 2 requests fewer than upstream;
            // plus the 2 claim status applies (404 here: the claims are not in this API).
            #expect(c.claimStatusPatches == 2)
            #expect(c.server.requests.count == 10, "\(c.server.requests.map { "\($0.method) \($0.path)" })")
            #expect(try c.fixture.cni("DEL", c.config).status == 0)
        }
    }

    @Test("a corrupted DRA checkpoint fails the ADD with a message naming the file, and leaves nothing behind")
    func corruptedCheckpoint() async throws {
        try await withCluster({ f in
            [f.pod(networks: "vf-test1", claims: [("sriov1", "pod0-sriov1-7x2kq")]), f.nad("vf-test1", resource: "sriov1/vf"),
             f.claim("pod0-sriov1-7x2kq", devices: ["0000-3b-02-1"]), DeviceFixture.slice(resourceOf: { _ in "sriov1/vf" })]
        }) { c in
            var text = c.fixture.draCheckpoint([("pod0-sriov1-7x2kq", ["0000-3b-02-1"])])
            text = text.replacingOccurrences(of: "0000-3b-02-1", with: "0000-3b-02-4")  // Data changed, checksum not
            try c.fixture.writeKubeletFile(text, "dra_manager_state")
            let add = try c.fixture.cni("ADD", c.config)
            #expect(add.status == 1)
            let msg = add.json?["msg"]?.stringValue ?? ""
            #expect(msg.contains(c.fixture.kubeletRootDir + "/dra_manager_state") && msg.contains("checksum"), "\(add.stdout)")
            #expect(c.fixture.recorded("ADD", "net1") == nil)
            #expect(c.sandbox.cacheFiles().isEmpty)
            #expect(try c.sandbox.interfaces().isEmpty)
        }
    }

    @Test("a claim with no allocation fails the ADD naming the claim")
    func unallocatedClaim() async throws {
        try await withCluster({ f in
            [f.pod(networks: "vf-test1", claims: [("sriov1", "pod0-sriov1-7x2kq")]), f.nad("vf-test1", resource: "sriov1/vf"),
             f.claim("pod0-sriov1-7x2kq", devices: nil), DeviceFixture.slice(resourceOf: { _ in "sriov1/vf" })]
        }) { c in
            let add = try c.fixture.cni("ADD", c.config)
            #expect(add.status == 1)
            #expect(add.json?["msg"]?.stringValue?.contains("claim vf-test9/pod0-sriov1-7x2kq has no device allocation") == true, "\(add.stdout)")
            #expect(c.sandbox.cacheFiles().isEmpty)
        }
    }

    @Test("the classic SR-IOV device plugin: IDs from its checkpoint; device-info from the plugin's file into network-status; gone after DEL")
    func devicePluginCheckpointAndDeviceInfo() async throws {
        try await withCluster(namespace: "default", { f in
            [f.pod(networks: #"[{"name":"sriov-net"},{"name":"sriov-net","interface":"dpdk0"},{"name":"plain","deviceID":"0000:5e:00.7"}]"#, claims: []),
             f.nad("sriov-net", resource: "intel.com/sriov_netdevice"), f.nad("plain", resource: nil)]
        }) { c in
            let f = c.fixture
            try f.writeKubeletFile("""
                {"Data":{"PodDeviceEntries":[\
                {"PodUID":"someone-else","ContainerName":"app","ResourceName":"intel.com/sriov_netdevice","DeviceIDs":{"0":["0000:3b:02.7"]},"AllocResp":""},\
                {"PodUID":"\(f.podUID)","ContainerName":"app","ResourceName":"intel.com/sriov_netdevice","DeviceIDs":{"0":["0000:3b:02.4"],"1":["0000:af:06.1"]},"AllocResp":""}],\
                "RegisteredDevices":{"intel.com/sriov_netdevice":["0000:3b:02.4","0000:3b:02.7","0000:af:06.1"]}},"Checksum":42}
                """, "device-plugins/kubelet_internal_checkpoint")
            // The device plugin's device-info for the first VF (device-info spec, dp/ folder).
            let deviceInfo: JSONValue = ["type": "pci", "version": "1.1.0", "pci": ["pci-address": "0000:3b:02.4", "pf-pci-address": "0000:3b:00.0"]]
            try FileManager.default.createDirectory(atPath: f.deviceInfoDir + "/dp", withIntermediateDirectories: true)
            try deviceInfo.serialized.write(toFile: f.deviceInfoDir + "/dp/intel.com-sriov_netdevice-0000:3b:02.4-device.json",
                                            atomically: true, encoding: .utf8)

            let add = try f.cni("ADD", c.config)
            #expect(add.status == 0, "\(add.stdout)")
            expectDevice(c, "net1", network: "default/sriov-net", deviceID: "0000:3b:02.4")
            expectDevice(c, "dpdk0", network: "default/sriov-net", deviceID: "0000:af:06.1")
            // No resource on the NAD: the selection's own deviceID is the fallback.
            expectDevice(c, "net3", network: "default/plain", deviceID: "0000:5e:00.7", inConfig: false)
            #expect(c.claimGets == 0 && c.sliceLists == 0)

            let status = c.networkStatus
            #expect(status.map { $0["interface"] } == ["eth0", "net1", "dpdk0", "net3"])
            #expect(status[1]["device-info"] == deviceInfo)
            #expect(status[2]["device-info"] == nil, "the plugin wrote no device-info for the second VF")
            let infoFile = "\(f.deviceInfoDir)/cni/default-sriov-net-\(f.containerID)_net1"
            #expect(FileManager.default.fileExists(atPath: infoFile))

            let del = try f.cni("DEL", c.config)
            #expect(del.status == 0, "\(del.stdout)")
            #expect(!FileManager.default.fileExists(atPath: infoFile), "device-info removed on DEL")
            #expect(FileManager.default.fileExists(atPath: f.deviceInfoDir + "/dp/intel.com-sriov_netdevice-0000:3b:02.4-device.json"),
                    "the device plugin's own file stays")
            #expect(c.sandbox.cacheFiles().isEmpty)
        }
    }

    @Test("no NAD names a resource: no kubelet file, socket or claim is read")
    func lazyResourceMap() async throws {
        try await withCluster({ f in
            [f.pod(networks: "plain", claims: [("sriov1", "pod0-sriov1-7x2kq")]), f.nad("plain", resource: nil)]
        }) { c in
            // A corrupted checkpoint would fail the ADD if it were read.
            try c.fixture.writeKubeletFile("garbage", "dra_manager_state")
            try c.fixture.writeKubeletFile("garbage", "device-plugins/kubelet_internal_checkpoint")
            let add = try c.fixture.cni("ADD", c.config)
            #expect(add.status == 0, "\(add.stdout)")
            #expect(c.fixture.recorded("ADD", "net1")?["deviceID"] == nil)
            #expect(c.claimGets == 0 && c.sliceLists == 0)
            #expect(try c.fixture.cni("DEL", c.config).status == 0)
        }
    }

    // MARK: DRA extended resources (KEP-5004) and the claims' network data (KEP-4817)

    static let resource = "intel.com/sriov_vf"
    static let extendedClaim = "pod0-extended-resources-q8w4z"
    static let request = "container-0-request-0"

    /// A pod asking `intel.com/sriov_vf: 2`, two NADs on it, the scheduler's claim (two VFs, the driver's entries), the slice.
    private func extendedResource(_ f: DeviceFixture, resourceOf: @escaping (Int) -> String = { _ in DeviceTests.resource },
                                  claim: Bool = true) -> [JSONValue] {
        [f.pod(networks: "vf-a,vf-b", claims: [], extended: (Self.extendedClaim, [(Self.resource, Self.request)])),
         f.nad("vf-a", resource: Self.resource), f.nad("vf-b", resource: Self.resource),
         DeviceFixture.slice(resourceOf: resourceOf)]
            + (claim ? [f.claim(Self.extendedClaim, devices: ["0000-3b-02-3", "0000-3b-02-1"], request: Self.request, driverEntries: true)] : [])
    }

    @Test("an extended resource backed by DRA: two NADs on it get the claim's two VFs; the claim shows each VF's interface, addresses and MAC; DEL's one request releases them")
    func extendedResourceTwoNADs() async throws {
        try await withCluster({ f in extendedResource(f) }) { c in
            let add = try c.fixture.cni("ADD", c.config)
            #expect(add.status == 0, "\(add.stdout)")
            expectDevice(c, "net1", network: "vf-test9/vf-a", deviceID: "0000:3b:02.3")
            expectDevice(c, "net2", network: "vf-test9/vf-b", deviceID: "0000:3b:02.1")
            // pod, 2 NADs, the claim, 1 slice LIST; network-status, 1 claim status apply, 3 events.
            #expect(c.claimGets == 1 && c.sliceLists == 1 && c.claimStatusPatches == 1)
            #expect(c.server.requests.count == 10, "\(c.server.requests.map { "\($0.method) \($0.path)" })")
            let apply = try #require(c.server.requests.first { $0.path == c.claimPath(Self.extendedClaim) + "/status" })
            #expect(apply.contentType == "application/apply-patch+yaml")
            #expect(apply.query == ["fieldManager": "multus-swift-\(c.fixture.containerID)", "force": "true"])
            #expect(c.networkData(Self.extendedClaim, "0000-3b-02-3") == [
                "interfaceName": "net1", "ips": ["10.56.217.11/24"], "hardwareAddress": "02:00:00:00:00:01"])
            #expect(c.networkData(Self.extendedClaim, "0000-3b-02-1") == [
                "interfaceName": "net2", "ips": ["10.56.217.12/24"], "hardwareAddress": "02:00:00:00:00:02"])
            #expect(c.deviceStatus(Self.extendedClaim, "0000-3b-02-3")?["conditions"]?.arrayValue?.count == 1, "the driver's condition stays")

            c.server.resetCounters()
            #expect(try c.fixture.cni("DEL", c.config).status == 0)
            #expect(c.server.requests.map { "\($0.method) \($0.path)" } == ["PATCH \(c.claimPath(Self.extendedClaim))/status"])
            #expect(c.fixture.recorded("DEL", "net2")?["deviceID"]?.stringValue == "0000:3b:02.1")
            #expect(c.networkData(Self.extendedClaim, "0000-3b-02-3") == nil && c.networkData(Self.extendedClaim, "0000-3b-02-1") == nil)
            #expect(c.deviceStatus(Self.extendedClaim, "0000-3b-02-1")?["conditions"]?.arrayValue?.count == 1, "the driver's entry stays")
            #expect(try c.fixture.cni("DEL", c.config).status == 0)
            #expect(c.server.requests.count == 1, "a repeated DEL makes none")
            #expect(c.sandbox.cacheFiles().isEmpty)
        }
    }

    @Test("an extended resource from kubelet's DRA checkpoint (its RequestNames): no claim GET")
    func extendedResourceFromTheCheckpoint() async throws {
        try await withCluster({ f in extendedResource(f) }) { c in
            try c.fixture.writeKubeletFile(c.fixture.draCheckpoint([(Self.extendedClaim, ["0000-3b-02-3", "0000-3b-02-1"])],
                                                                   request: Self.request), "dra_manager_state")
            let add = try c.fixture.cni("ADD", c.config)
            #expect(add.status == 0, "\(add.stdout)")
            expectDevice(c, "net1", network: "vf-test9/vf-a", deviceID: "0000:3b:02.3")
            expectDevice(c, "net2", network: "vf-test9/vf-b", deviceID: "0000:3b:02.1")
            #expect(c.claimGets == 0 && c.sliceLists == 1)
            #expect(c.server.requests.count == 9)
            #expect(c.networkData(Self.extendedClaim, "0000-3b-02-1")?["interfaceName"] == "net2")
            #expect(try c.fixture.cni("DEL", c.config).status == 0)
        }
    }

    @Test("an extended resource's device whose resourceName differs fails the ADD naming the claim, the device and both values")
    func extendedResourceMismatch() async throws {
        try await withCluster({ f in extendedResource(f, resourceOf: { $0 == 1 ? "sriov/vf" : DeviceTests.resource }) }) { c in
            let add = try c.fixture.cni("ADD", c.config)
            #expect(add.status == 1)
            let msg = add.json?["msg"]?.stringValue ?? ""
            #expect(msg.contains("claim vf-test9/\(Self.extendedClaim): device \(DeviceFixture.driver)/node-1/0000-3b-02-1 has k8s.cni.cncf.io/resourceName \"sriov/vf\", but the extended resource mapping of request \(Self.request) is \"\(Self.resource)\""), "\(add.stdout)")
            #expect(c.fixture.recorded("ADD", "net1") == nil)
            #expect(c.claimStatusPatches == 0)
            #expect(c.sandbox.cacheFiles().isEmpty)
        }
    }

    @Test("a refused claim status write (403: RBAC, or the feature off) fails neither ADD nor DEL")
    func claimStatusRefused() async throws {
        try await withCluster({ f in extendedResource(f) }) { c in
            c.server.injectFault(.status(403), method: "PATCH", path: c.claimPath(Self.extendedClaim) + "/status", count: 2)
            let add = try c.fixture.cni("ADD", c.config)
            #expect(add.status == 0, "\(add.stdout)")
            #expect(c.networkStatus.map { $0["interface"] } == ["eth0", "net1", "net2"])
            #expect(c.networkData(Self.extendedClaim, "0000-3b-02-3") == nil)
            #expect(c.claimStatusPatches == 1, "refused once, not retried, no GET + PUT")
            let del = try c.fixture.cni("DEL", c.config)
            #expect(del.status == 0, "\(del.stdout)")
            #expect(c.fixture.recorded("DEL", "net1")?["deviceID"]?.stringValue == "0000:3b:02.3")
            #expect(c.claimStatusPatches == 2)
            #expect(c.sandbox.cacheFiles().isEmpty)
        }
    }
}
