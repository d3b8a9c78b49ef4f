import CNISpec
import Foundation
import KubeAPIServerDouble
import Testing
import UnaryGRPC

/// containerd's CRI plugin drives multus-swift as on a Kubernetes node: the
/// test plays the kubelet (RunPodSandbox, PodSandboxStatus, StopPodSandbox
/// twice, RemovePodSandbox over the CRI socket) against a containerd of its
/// own, with pods and NADs in the API server double.
@Suite(.serialized, .enabled(if: Containerd.unavailable == nil, Comment(rawValue: Containerd.unavailable ?? "")))
struct ContainerdCRITests {
    struct Cluster {
        let sandbox: Sandbox
        let server: KubeAPIServerDouble
        let containerd: Containerd
        let clusterSubnet: String
        let macvlanSubnet: String
        let bridgeSubnet: String
        var cri: CRIClient { containerd.cri }
        static let namespace = "apps"

        /// A pod in the API asking for the macvlan and the bridge NAD, and the
        /// sandbox config the kubelet would send for it.
        func pod(_ name: String, networks: String = "macvlan-net,bridge-net") -> CRI.PodSandboxConfig {
            let uid = UUID().uuidString.lowercased()
            let annotations = ["k8s.v1.cni.cncf.io/networks": networks, "kubernetes.io/config.source": "api"]
            _ = server.seed(["apiVersion": "v1", "kind": "Pod",
                             "metadata": ["name": .string(name), "namespace": .string(Self.namespace), "uid": .string(uid),
                                          "annotations": .object(JSONObject(annotations.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))],
                             "spec": ["nodeName": "node-1"]])
            return CRI.PodSandboxConfig(
                name: name, namespace: Self.namespace, uid: uid, hostname: name,
                logDirectory: "\(containerd.dir)/pods/\(Self.namespace)_\(name)_\(uid)",
                labels: ["io.kubernetes.pod.name": name, "io.kubernetes.pod.namespace": Self.namespace, "io.kubernetes.pod.uid": uid],
                annotations: annotations)
        }

        func podPath(_ name: String) -> String { "/api/v1/namespaces/\(Self.namespace)/pods/\(name)" }

        /// A running sandbox as the node sees it.
        struct Up {
            var id: String
            var status: CRI.PodSandboxStatus
            var netns: String
            var interfaces: [String]
            var addresses: [String: [String]]
        }

        func inspect(_ id: String) throws -> Up {
            let status = try cri.podSandboxStatus(id)
            let path = try #require(Containerd.netnsPath(status), "no netns in the verbose status: \(status.info)")
            let netns = (path as NSString).lastPathComponent
            let interfaces = try sandbox.interfaces(in: netns)
            var addresses: [String: [String]] = [:]
            for ifName in interfaces { addresses[ifName] = try sandbox.ipv4Addresses(of: ifName, in: netns) }
            return Up(id: id, status: status, netns: netns, interfaces: interfaces, addresses: addresses)
        }

        func expectNetworks(_ up: Up, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(up.status.state == .ready, sourceLocation: sourceLocation)
            #expect(up.interfaces == ["eth0", "net1", "net2"], sourceLocation: sourceLocation)
            let eth0 = up.addresses["eth0"] ?? []
            #expect(eth0.count == 1 && eth0.first?.hasPrefix(up.status.ip + "/") == true && !up.status.ip.isEmpty,
                    "PodSandboxStatus IP \(up.status.ip) is eth0's \(eth0)", sourceLocation: sourceLocation)
            #expect(Self.inSubnet(eth0, clusterSubnet), sourceLocation: sourceLocation)
            #expect(Self.inSubnet(up.addresses["net1"] ?? [], macvlanSubnet), "\(up.addresses)", sourceLocation: sourceLocation)
            #expect(Self.inSubnet(up.addresses["net2"] ?? [], bridgeSubnet), "\(up.addresses)", sourceLocation: sourceLocation)
        }

        static func inSubnet(_ addresses: [String], _ subnet: String) -> Bool {
            let prefix = subnet.split(separator: "/")[0].split(separator: ".").prefix(3).joined(separator: ".") + "."
            return addresses.count == 1 && addresses[0].hasPrefix(prefix) && addresses[0].hasSuffix("/24")
        }

        /// Stop, Stop, Remove, as the kubelet does it.
        func tearDown(_ id: String) throws {
            try cri.stopPodSandbox(id)
            try cri.stopPodSandbox(id)
            try cri.removePodSandbox(id)
        }

        /// Nothing of any pod left on the node: links, addresses, caches, namespaces, containers.
        func expectNothingLeft(netns: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws {
            #expect(sandbox.reservedAddresses().isEmpty, "\(sandbox.reservedAddresses())", sourceLocation: sourceLocation)
            #expect(sandbox.cacheFiles().isEmpty, "\(sandbox.cacheFiles())", sourceLocation: sourceLocation)
            for bridge in ["mswb\(sandbox.id)0", "mswb\(sandbox.id)1"] {
                let ports = try Harness.run("/usr/sbin/ip", ["-o", "link", "show", "master", bridge])
                #expect(ports.stdout.isEmpty, "ports left on \(bridge): \(ports.stdout)", sourceLocation: sourceLocation)
            }
            let macvlans = try Harness.run("/usr/sbin/ip", ["-o", "link", "show", "type", "macvlan"])
            #expect(!macvlans.stdout.contains(sandbox.macvlanMaster), "\(macvlans.stdout)", sourceLocation: sourceLocation)
            for ns in netns {
                #expect(!FileManager.default.fileExists(atPath: "/var/run/netns/" + ns), "netns \(ns) left", sourceLocation: sourceLocation)
            }
            // libcni's own cache in containerd (cacheDir /var/lib/cni) for our network.
            let results = (try? FileManager.default.contentsOfDirectory(atPath: "/var/lib/cni/results")) ?? []
            #expect(!results.contains { $0.hasPrefix("msw-\(sandbox.id)-") }, "\(results)", sourceLocation: sourceLocation)
            #expect(try containerd.containers().isEmpty, sourceLocation: sourceLocation)
        }

        /// How many times containerd ran multus-swift with this command (its debug log).
        func invocations(_ command: String) -> Int {
            let log = (try? String(contentsOfFile: containerd.multusLog, encoding: .utf8)) ?? ""
            return log.split(separator: "\n").filter { $0.contains("[debug] \(command) container=") }.count
        }
    }

    private func withCluster(version: String = "1.0.0", conflist: Bool = true, _ body: (Cluster) async throws -> Void) async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let pki = try KubeAPIServerDouble.makeTestPKI(in: sandbox.dir + "/pki")
        let server = try await KubeAPIServerDouble.start(pki: pki)
        let clusterSubnet = Sandbox.newSubnet(), macvlanSubnet = Sandbox.newSubnet(), bridgeSubnet = Sandbox.newSubnet()
        let cluster = sandbox.bridgeNetwork(name: "cluster", subnet: clusterSubnet)
        var macvlan = sandbox.macvlanNetwork(name: "macvlan-net", version: "0.4.0", subnet: macvlanSubnet)
        macvlan["name"] = nil
        var bridge = sandbox.bridgeNetwork(name: "bridge-net", subnet: bridgeSubnet)
        bridge["name"] = nil
        bridge["isGateway"] = false
        _ = server.seed(PodNetworksFixture.nad(name: "macvlan-net", namespace: Cluster.namespace, config: macvlan))
        _ = server.seed(PodNetworksFixture.nad(name: "bridge-net", namespace: Cluster.namespace, config: bridge))
        let kubeconfig = sandbox.dir + "/kubeconfig"
        try "test-token\n".write(toFile: sandbox.dir + "/token", atomically: true, encoding: .utf8)
        try server.writeKubeconfig(to: kubeconfig, credential: .tokenFile(sandbox.dir + "/token"))

        let containerd = try Containerd(sandbox: sandbox)
        defer { containerd.remove() }
        try containerd.writeMultusConfig(version: version, conflist: conflist, kubeconfig: kubeconfig, clusterNetwork: cluster)
        do {
            try containerd.start()
            try containerd.importPauseImage()
            try await body(Cluster(sandbox: sandbox, server: server, containerd: containerd, clusterSubnet: clusterSubnet,
                                   macvlanSubnet: macvlanSubnet, bridgeSubnet: bridgeSubnet))
        } catch {
            await server.shutdown()
            throw HarnessError("\(error)\n--- containerd log ---\n\(containerd.logTail())")
        }
        await server.shutdown()
    }

    @Test func versionNamesContainerdAndCRIv1() async throws {
        try await withCluster { c in
            let version = try c.cri.version()
            #expect(version.runtimeName == "containerd")
            #expect(version.runtimeAPIVersion == "v1")
            #expect(version.runtimeVersion.hasPrefix("1.6"), "\(version.runtimeVersion)")
        }
    }

    @Test func podWithMacvlanAndBridgeNADsIsReadyAndStopStopRemoveLeavesNothing() async throws {
        try await withCluster { c in
            var config = c.pod("web")
            config.portMappings = [(containerPort: 80, hostPort: 18080)]
            let id = try c.containerd.runPodSandbox(config)
            let up = try c.inspect(id)
            c.expectNetworks(up)

            // network-status written to the pod, in order, with the addresses the netns has.
            let statusText = try #require(c.server.object(at: c.podPath("web"))?["metadata"]?["annotations"]?["k8s.v1.cni.cncf.io/network-status"]?.stringValue)
            let status = try #require(try JSONValue(parsing: statusText).arrayValue)
            #expect(status.map { $0["name"] } == ["cluster", "apps/macvlan-net", "apps/bridge-net"])
            #expect(status.map { $0["interface"] } == ["eth0", "net1", "net2"])
            #expect(status[0]["ips"] == [.string(up.status.ip)])
            #expect(status[0]["default"] == true)

            // containerd's CRI passed the pod's identity in CNI_ARGS.
            let log = (try? String(contentsOfFile: c.containerd.multusLog, encoding: .utf8)) ?? ""
            #expect(log.contains("K8S_POD_NAMESPACE=apps") && log.contains("K8S_POD_NAME=web")
                    && log.contains("K8S_POD_INFRA_CONTAINER_ID=\(id)") && log.contains("K8S_POD_UID=\(config.uid)"), "\(log.prefix(2000))")
            // …and the capabilities the config declares as runtimeConfig: the port mapping, the pod's annotations.
            let add = try #require(log.split(separator: "\n").first { $0.contains("[debug] ADD container=\(id)") })
            let runtimeConfig = try #require(try JSONValue(parsing: String(add[add.range(of: " config=")!.upperBound...]))["runtimeConfig"])
            // containerd 1.6 writes Go's field names (HostPort, …), which Go plugins read case-insensitively.
            let mapping = runtimeConfig["portMappings"]?.arrayValue?.first?.objectValue.map { object in
                Dictionary(object.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
            }
            #expect(mapping?["hostport"] == 18080 && mapping?["containerport"] == 80 && mapping?["protocol"] == "tcp", "\(runtimeConfig)")
            #expect(runtimeConfig["io.kubernetes.cri.pod-annotations"]?["k8s.v1.cni.cncf.io/networks"] == "macvlan-net,bridge-net",
                    "\(runtimeConfig)")

            try c.cri.stopPodSandbox(id)
            let afterFirstStop = c.server.requests.count
            #expect(!FileManager.default.fileExists(atPath: "/var/run/netns/" + up.netns), "the first Stop removes the netns")
            #expect(c.sandbox.reservedAddresses().isEmpty, "the first Stop releases the addresses")
            #expect(try c.cri.podSandboxStatus(id).state == .notReady)
            try c.cri.stopPodSandbox(id)
            try c.cri.removePodSandbox(id)
            try c.expectNothingLeft(netns: [up.netns])
            #expect(c.invocations("ADD") == 1)
            #expect(c.invocations("DEL") >= 2, "containerd ran DEL on every Stop (and on Remove): \(c.invocations("DEL"))")
            let later = c.server.requests.dropFirst(afterFirstStop).map { "\($0.method) \($0.path)" }
            #expect(later.isEmpty, "the later DELs make no API request: \(later)")
        }
    }

    @Test func twentySandboxesInARowThenTenConcurrentlyGetDistinctAddressesAndLeakNothing() async throws {
        try await withCluster { c in
            var ups: [Cluster.Up] = []
            for i in 0..<20 {
                let id = try c.containerd.runPodSandbox(c.pod("row-\(i)"))
                ups.append(try c.inspect(id))
            }
            for up in ups { c.expectNetworks(up) }
            let rowAddresses = ups.flatMap { $0.addresses.values.flatMap { $0 } }
            #expect(Set(rowAddresses).count == 60, "60 distinct addresses for 20 pods × 3 networks")
            for up in ups { try c.tearDown(up.id) }
            try c.expectNothingLeft(netns: ups.map(\.netns))

            let configs = (0..<10).map { c.pod("burst-\($0)") }
            let results = ConcurrentResults<Cluster.Up>(count: configs.count)
            DispatchQueue.concurrentPerform(iterations: configs.count) { i in
                results.set(i, Result { try c.inspect(try c.containerd.runPodSandbox(configs[i])) })
            }
            let burst = try results.all().map { try $0.get() }
            for up in burst { c.expectNetworks(up) }
            #expect(Set(burst.flatMap { $0.addresses.values.flatMap { $0 } }).count == 30)
            let teardowns = ConcurrentResults<Void>(count: burst.count)
            DispatchQueue.concurrentPerform(iterations: burst.count) { i in
                teardowns.set(i, Result { try c.tearDown(burst[i].id) })
            }
            for result in teardowns.all() { try result.get() }
            try c.expectNothingLeft(netns: burst.map(\.netns))
            #expect(c.invocations("ADD") == 30)
        }
    }

    @Test func missingNADFailsRunPodSandboxWithMultusSwiftsMessageAndLeavesNothing() async throws {
        try await withCluster { c in
            let before = Set((try? FileManager.default.contentsOfDirectory(atPath: "/var/run/netns")) ?? [])
            let error = #expect(throws: UnaryGRPCError.self) {
                try c.containerd.runPodSandbox(c.pod("lost", networks: "macvlan-net,ghost"))
            }
            let message: String
            if case .status(_, let text)? = error { message = text } else { message = "\(String(describing: error))" }
            // multus-swift's CNI error, as containerd wraps it for the kubelet:
            // failed to setup network for sandbox "…": plugin type="multus-swift" failed (add):
            // [apps/lost/<uid>:plan]: cannot find a network-attachment-definition (ghost) in namespace (apps)
            #expect(message.contains("plugin type=\"multus-swift\" failed (add)"), "\(message)")
            #expect(message.contains("cannot find a network-attachment-definition (ghost) in namespace (apps)"), "\(message)")
            let after = Set((try? FileManager.default.contentsOfDirectory(atPath: "/var/run/netns")) ?? [])
            // containerd names its namespaces cni-<uuid>; other tests running meanwhile make their own.
            try c.expectNothingLeft(netns: Array(after.subtracting(before).filter { $0.hasPrefix("cni-") }))
            #expect(c.invocations("ADD") == 1)
        }
    }

    @Test func containerdRestartWithASandboxUpThenStopAndRemoveCleanly() async throws {
        try await withCluster { c in
            let id = try c.containerd.runPodSandbox(c.pod("survivor"))
            let up = try c.inspect(id)
            c.expectNetworks(up)
            c.containerd.stop()
            // The shim and the pause process outlive containerd, and so does the network.
            #expect(try c.sandbox.interfaces(in: up.netns) == ["eth0", "net1", "net2"])
            try c.containerd.start()
            let again = try c.inspect(id)
            #expect(again.status.state == .ready)
            #expect(again.status.ip == up.status.ip && again.netns == up.netns)
            try c.tearDown(id)
            try c.expectNothingLeft(netns: [up.netns])
            #expect(c.invocations("ADD") == 1)
        }
    }

    @Test(arguments: [("0.3.1", false), ("0.4.0", false), ("1.0.0", false), ("0.3.1", true), ("0.4.0", true), ("1.0.0", true)])
    func configVersionsAndForms(version: String, conflist: Bool) async throws {
        try await withCluster(version: version, conflist: conflist) { c in
            let id = try c.containerd.runPodSandbox(c.pod("v\(version.filter(\.isNumber))"))
            let up = try c.inspect(id)
            c.expectNetworks(up)
            try c.tearDown(id)
            try c.expectNothingLeft(netns: [up.netns])
        }
    }

    /// Why the README and `multus-swift install` warn about 1.1.0: containerd 1.6's
    /// libcni cannot parse the result and blames the plugin; the sandbox is rolled back.
    @Test func containerd16RefusesA110ResultAndLeavesNothing() async throws {
        try await withCluster(version: "1.1.0", conflist: true) { c in
            let runtime = try c.cri.version().runtimeVersion
            let config = c.pod("newest")
            guard runtime.hasPrefix("1.6.") else {
                // A newer containerd may read 1.1.0: then it must simply work.
                let id = try c.containerd.runPodSandbox(config)
                c.expectNetworks(try c.inspect(id))
                try c.tearDown(id)
                return
            }
            let error = #expect(throws: UnaryGRPCError.self) { try c.containerd.runPodSandbox(config) }
            #expect(error?.description.contains("plugin type=\"multus-swift\" failed (add): unsupported CNI result version \"1.1.0\"") == true,
                    "\(String(describing: error))")
            try c.expectNothingLeft()
            #expect(c.invocations("DEL") >= 1, "containerd rolled the ADD back")
        }
    }
}

/// Results of work done on several threads at once.
final class ConcurrentResults<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Result<T, any Error>?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<T, any Error>) { lock.lock(); values[i] = r; lock.unlock() }
    func all() -> [Result<T, any Error>] {
        lock.lock()
        defer { lock.unlock() }
        return values.map { $0 ?? .failure(HarnessError("not run")) }
    }
}
