import SystemSupport
import CNISpec
import Delegation
import Glibc
import Testing
@testable import MultusCore

// MARK: - helpers shared by the planning and rollback tests

/// A unique directory under /tmp, removed with its content by `remove()`.
struct PlanningTempDir {
    let path: String

    init(_ label: String) {
        var template = Array("/tmp/\(label)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Writes `text` to `name` (under this directory), creating folders on the way.
    @discardableResult
    func write(_ name: String, _ text: String, mode: mode_t = 0o644) throws -> String {
        let path = file(name)
        try FileSystem.writeAtomically(path, Array(text.utf8), mode: mode)
        chmod(path, mode)
        return path
    }

    func remove() { planningRemoveTree(path) }
}

func planningRemoveTree(_ path: String) {
    var info = stat()
    guard lstat(path, &info) == 0 else { return }
    if (info.st_mode & S_IFMT) == S_IFDIR {
        for name in FileSystem.list(path) { planningRemoveTree(path + "/" + name) }
        rmdir(path)
    } else {
        unlink(path)
    }
}

/// A single-plugin network configuration.
func planningConf(_ name: String, type: String, version: String = "1.0.0") -> String {
    #"{"cniVersion":"\#(version)","name":"\#(name)","type":"\#(type)"}"#
}

func planningConfig(_ text: String) throws -> MultusConfig {
    try MultusConfig(parsing: Array(text.utf8))
}

// MARK: - which networks a pod gets

@Suite struct NetworkOrderTests {
    private func networks(_ config: MultusConfig, podNamespace: String? = nil) async throws(CNIError) -> [PlannedNetwork] {
        try await NetworkResolver(config: config, cluster: nil).networks(podNamespace: podNamespace, pod: nil)
    }

    private func names(_ planned: [PlannedNetwork]) -> [String] { planned.map(\.delegate.network.name) }

    private func failure(_ config: MultusConfig) async -> CNIError? {
        do { _ = try await networks(config); return nil } catch { return error }
    }

    @Test func everyInlineDelegateIsAttachedAndTheFirstIsTheMaster() async throws {
        let config = try planningConfig(#"""
            {"name":"multus","cniVersion":"1.0.0","confDir":"/nonexistent",
             "delegates":[\#(planningConf("first", type: "bridge")),\#(planningConf("second", type: "macvlan"))]}
            """#)
        let planned = try await networks(config)
        #expect(names(planned) == ["first", "second"])
        #expect(planned.allSatisfy { $0.selection == nil })
    }

    @Test func clusterNetworkWinsOverDelegates() async throws {
        let dir = PlanningTempDir("multus-plan")
        defer { dir.remove() }
        let path = try dir.write("cluster.conf", planningConf("cluster", type: "flannel"))
        let config = try planningConfig(#"""
            {"name":"multus","cniVersion":"1.0.0","confDir":"\#(dir.path)","clusterNetwork":"\#(path)",
             "delegates":[\#(planningConf("inline", type: "bridge"))]}
            """#)
        let planned = try await networks(config)
        #expect(names(planned) == ["cluster"])
        #expect(planned[0].delegate.network.plugins.map(\.type) == ["flannel"])
    }

    @Test func defaultNetworksFollowTheMasterInOrder() async throws {
        let dir = PlanningTempDir("multus-plan")
        defer { dir.remove() }
        try dir.write("10-master.conf", planningConf("master", type: "bridge"))
        try dir.write("20-alpha.conf", planningConf("alpha", type: "macvlan"))
        try dir.write("30-beta.conf", planningConf("beta", type: "ipvlan"))
        let config = try planningConfig(#"""
            {"name":"multus","cniVersion":"1.0.0","confDir":"\#(dir.path)","clusterNetwork":"master",
             "defaultNetworks":["beta","alpha"]}
            """#)
        #expect(names(try await networks(config, podNamespace: "default")) == ["master", "beta", "alpha"])
        #expect(names(try await networks(config, podNamespace: nil)) == ["master", "beta", "alpha"])
    }

    @Test func defaultNetworksAreSkippedForPodsInSystemNamespaces() async throws {
        let dir = PlanningTempDir("multus-plan")
        defer { dir.remove() }
        try dir.write("20-extra.conf", planningConf("extra", type: "macvlan"))
        let config = try planningConfig(#"""
            {"name":"multus","cniVersion":"1.0.0","confDir":"\#(dir.path)","defaultNetworks":["extra"],
             "delegates":[\#(planningConf("master", type: "bridge"))]}
            """#)
        #expect(names(try await networks(config, podNamespace: "kube-system")) == ["master"])
        #expect(names(try await networks(config, podNamespace: "default")) == ["master", "extra"])

        let custom = try planningConfig(#"""
            {"name":"multus","cniVersion":"1.0.0","confDir":"\#(dir.path)","defaultNetworks":["extra"],
             "systemNamespaces":["infra"],"delegates":[\#(planningConf("master", type: "bridge"))]}
            """#)
        #expect(names(try await networks(custom, podNamespace: "infra")) == ["master"])
        #expect(names(try await networks(custom, podNamespace: "kube-system")) == ["master", "extra"])
    }

    @Test func nameIsResolvedToTheFirstMatchingConfigFileInConfDirSkippingUnparsableOnes() async throws {
        let dir = PlanningTempDir("multus-plan")
        defer { dir.remove() }
        try dir.write("00-broken.conf", "{not json")
        try dir.write("01-notype.conf", #"{"cniVersion":"1.0.0","name":"target"}"#)
        try dir.write("02-target.txt", planningConf("target", type: "wrong-extension"))
        try dir.write("10-other.conf", planningConf("other", type: "other"))
        try dir.write("20-first.conflist", #"{"cniVersion":"1.0.0","name":"target","plugins":[{"type":"first"},{"type":"tuning"}]}"#)
        try dir.write("30-second.json", planningConf("target", type: "second"))
        let config = try planningConfig(#"""
            {"name":"multus","cniVersion":"1.0.0","confDir":"\#(dir.path)","clusterNetwork":"target","defaultNetworks":["other"]}
            """#)
        let planned = try await networks(config)
        #expect(names(planned) == ["target", "other"])
        #expect(planned[0].delegate.network.isConflist)
        #expect(planned[0].delegate.network.plugins.map(\.type) == ["first", "tuning"])
        #expect(planned[1].delegate.network.plugins.map(\.type) == ["other"])
    }

    @Test func nameMissingFromConfDirIsInvalidConfigNamingTheField() async throws {
        let dir = PlanningTempDir("multus-plan")
        defer { dir.remove() }
        try dir.write("10-other.conf", planningConf("other", type: "other"))
        let cluster = try planningConfig(#"{"name":"multus","cniVersion":"1.0.0","confDir":"\#(dir.path)","clusterNetwork":"absent"}"#)
        let error = await failure(cluster)
        #expect(error?.code == CNIError.invalidNetworkConfig)
        #expect(error?.msg.contains("clusterNetwork") == true)
        #expect(error?.msg.contains("absent") == true)

        let defaults = try planningConfig(#"""
            {"name":"multus","cniVersion":"1.0.0","confDir":"\#(dir.path)","clusterNetwork":"other","defaultNetworks":["other","gone"]}
            """#)
        let defaultsError = await failure(defaults)
        #expect(defaultsError?.code == CNIError.invalidNetworkConfig)
        #expect(defaultsError?.msg.contains("defaultNetworks[1]") == true)
    }

    @Test func pathToADirectoryPicksItsFirstConfigFile() async throws {
        let dir = PlanningTempDir("multus-plan")
        defer { dir.remove() }
        try dir.write("net.d/00-readme.txt", "not a config")
        try dir.write("net.d/10-flannel.conflist", #"{"cniVersion":"0.3.1","name":"cbr0","plugins":[{"type":"flannel"},{"type":"portmap"}]}"#)
        try dir.write("net.d/20-bridge.conf", planningConf("bridge-net", type: "bridge"))
        let config = try planningConfig(#"{"name":"multus","cniVersion":"1.0.0","clusterNetwork":"\#(dir.file("net.d"))"}"#)
        let planned = try await networks(config)
        #expect(names(planned) == ["cbr0"])
        #expect(planned[0].delegate.network.plugins.map(\.type) == ["flannel", "portmap"])
    }

    @Test func pathToADirectoryWithoutConfigFilesIsInvalidConfig() async throws {
        let dir = PlanningTempDir("multus-plan")
        defer { dir.remove() }
        try dir.write("empty/readme.txt", "nothing here")
        let config = try planningConfig(#"{"name":"multus","cniVersion":"1.0.0","clusterNetwork":"\#(dir.file("empty"))"}"#)
        #expect(await failure(config)?.code == CNIError.invalidNetworkConfig)
    }

    @Test func pathToAConflistLoadsTheWholeChain() async throws {
        let dir = PlanningTempDir("multus-plan")
        defer { dir.remove() }
        let path = try dir.write("k8s.conflist", #"{"cniVersion":"1.0.0","name":"k8s-pod-network","plugins":[{"type":"calico"},{"type":"bandwidth","capabilities":{"bandwidth":true}}]}"#)
        let config = try planningConfig(#"{"name":"multus","cniVersion":"1.0.0","clusterNetwork":"\#(path)"}"#)
        let planned = try await networks(config)
        #expect(names(planned) == ["k8s-pod-network"])
        #expect(planned[0].delegate.network.isConflist)
        #expect(planned[0].delegate.network.plugins.map(\.type) == ["calico", "bandwidth"])
    }

    @Test func pathToASingleConfLoadsIt() async throws {
        let dir = PlanningTempDir("multus-plan")
        defer { dir.remove() }
        let path = try dir.write("one.conf", planningConf("solo", type: "bridge", version: "0.4.0"))
        let config = try planningConfig(#"{"name":"multus","cniVersion":"1.0.0","clusterNetwork":"\#(path)"}"#)
        let planned = try await networks(config)
        #expect(!planned[0].delegate.network.isConflist)
        #expect(planned[0].delegate.network.cniVersion == .v0_4_0)
    }

    @Test func pathToAMissingFileIsInvalidConfig() async throws {
        let config = try planningConfig(#"{"name":"multus","cniVersion":"1.0.0","clusterNetwork":"/nonexistent/multus-test/x.conf"}"#)
        let error = await failure(config)
        #expect(error?.code == CNIError.invalidNetworkConfig)
        #expect(error?.msg.contains("/nonexistent/multus-test/x.conf") == true)
    }

    @Test func invalidInlineDelegateIsReportedWithItsIndex() async throws {
        let config = try planningConfig(#"""
            {"name":"multus","cniVersion":"1.0.0","delegates":[\#(planningConf("ok", type: "bridge")),{"cniVersion":"1.0.0","name":"bad"}]}
            """#)
        let error = await failure(config)
        #expect(error?.code == CNIError.invalidNetworkConfig)
        #expect(error?.msg.contains("delegates[1]") == true)
    }
}

// MARK: - interface names, arguments and capabilities

@Suite struct PlannerTests {
    static let runtimeArgs = "FOO=bar;K8S_POD_UID=uid-1;K8S_POD_NAME=web-0;IgnoreUnknown=1;K8S_POD_INFRA_CONTAINER_ID=infra;K8S_POD_NAMESPACE=team-a"

    private func planned(_ names: [String]) throws -> [PlannedNetwork] {
        try names.map { name in
            PlannedNetwork(delegate: Delegate(network: try NetworkConfigList(parsing: Array(planningConf(name, type: "bridge").utf8))))
        }
    }

    private func env(args: String = PlannerTests.runtimeArgs, ifName: String = "eth0") throws -> CNIEnvironment {
        CNIEnvironment(command: .add, containerID: "c0ffee", netns: "/var/run/netns/pod", ifName: ifName,
                       args: try CNIArgs(parsing: args))
    }

    private func config(_ extra: String = "") throws -> MultusConfig {
        try planningConfig(#"{"name":"multus","cniVersion":"1.0.0",\#(extra)"delegates":[\#(planningConf("m", type: "bridge"))]}"#)
    }

    @Test func masterGetsCNIIfnameAndTheOthersNetN() throws {
        let plan = try Planner(config: config()).attachments(for: planned(["a", "b", "c"]), env: env(ifName: "eth7"))
        #expect(plan.map(\.ifName) == ["eth7", "net1", "net2"])
        #expect(plan.map(\.isMaster) == [true, false, false])
        #expect(plan.map(\.delegate.statusName) == ["a", "b", "c"])
    }

    @Test func requestedInterfaceNameDoesNotRenumberTheRest() throws {
        var networks = try planned(["a", "b", "c"])
        networks[1].selection = NetworkSelection(name: "b", namespace: "default", interfaceRequest: "blue")
        let plan = try Planner(config: config()).attachments(for: networks, env: env())
        #expect(plan.map(\.ifName) == ["eth0", "blue", "net2"])
    }

    @Test func interfaceNameUsedTwiceIsInvalidConfig() throws {
        var networks = try planned(["a", "b", "c"])
        networks[1].selection = NetworkSelection(name: "b", namespace: "default", interfaceRequest: "net2")
        let planner = Planner(config: try config())
        let env = try env()
        var thrown: CNIError?
        do { _ = try planner.attachments(for: networks, env: env) } catch { thrown = error }
        #expect(thrown?.code == CNIError.invalidNetworkConfig)
        #expect(thrown?.msg.contains("net2") == true)
    }

    @Test func delegateArgsStartWithIgnoreUnknownAndThePodKeysAndHoldNoKeyTwice() throws {
        let plan = try Planner(config: config()).attachments(for: planned(["a", "b"]), env: env())
        for attachment in plan {
            let keys = attachment.args.map(\.key)
            #expect(keys == ["IgnoreUnknown", "K8S_POD_NAMESPACE", "K8S_POD_NAME", "K8S_POD_INFRA_CONTAINER_ID",
                             "K8S_POD_UID", "FOO"])
            #expect(Set(keys).count == keys.count)
            #expect(attachment.args.ignoreUnknown)
            #expect(attachment.args["K8S_POD_NAMESPACE"] == "team-a")
            #expect(attachment.args["K8S_POD_NAME"] == "web-0")
            #expect(attachment.args["K8S_POD_INFRA_CONTAINER_ID"] == "infra")
            #expect(attachment.args["K8S_POD_UID"] == "uid-1")
            #expect(attachment.args["FOO"] == "bar")
        }
    }

    @Test func delegateArgsWithoutRuntimeArgsAreIgnoreUnknownOnly() throws {
        let plan = try Planner(config: config()).attachments(for: planned(["a"]), env: env(args: ""))
        #expect(plan[0].args.text == "IgnoreUnknown=true")
    }

    @Test func masterAndOthersGetTheRuntimesRuntimeConfigAsCapabilityArgs() throws {
        let runtimeConfig = #"{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}],"bandwidth":{"ingressRate":1000}}"#
        let config = try config(#""runtimeConfig":\#(runtimeConfig),"#)
        let plan = try Planner(config: config).attachments(for: planned(["a", "b", "c"]), env: env())
        let expected = try #require(try JSONValue(parsing: runtimeConfig).objectValue)
        #expect(plan.count == 3)
        #expect(plan.allSatisfy { $0.capabilityArgs == expected })
    }

    @Test func selectionRequestsOverlayTheRuntimeConfigForThatNetworkOnly() throws {
        let config = try config(#""runtimeConfig":{"portMappings":[{"hostPort":1,"containerPort":1}],"mac":"0a:00:00:00:00:01"},"#)
        var networks = try planned(["a", "b"])
        var selection = NetworkSelection(name: "b", namespace: "default")
        selection.mac = "0a:00:00:00:00:99"
        selection.ips = ["10.9.9.9/24"]
        networks[1].selection = selection
        let plan = try Planner(config: config).attachments(for: networks, env: env())
        #expect(plan[0].capabilityArgs["mac"] == "0a:00:00:00:00:01")
        #expect(plan[0].capabilityArgs["ips"] == nil)
        #expect(plan[1].capabilityArgs["mac"] == "0a:00:00:00:00:99")
        #expect(plan[1].capabilityArgs["ips"] == ["10.9.9.9/24"])
        #expect(plan[1].capabilityArgs["portMappings"] == plan[0].capabilityArgs["portMappings"])
        #expect(plan[1].args["MAC"] == "0a:00:00:00:00:99")
        #expect(plan[1].args["IP"] == "10.9.9.9/24")
        #expect(plan[0].args["MAC"] == nil)
    }
}

// MARK: - the plan as ADD runs it

@Suite struct AddPlanTests {
    @Test func defaultNetworksAreSkippedWhenCNIArgsNameASystemNamespace() async throws {
        for (namespace, expected) in [("kube-system", ["plug-a"]), ("default", ["plug-a", "plug-extra"])] {
            let fixture = try RollbackFixture(plugins: ["plug-a", "plug-extra"], confFiles: ["20-extra.conf": planningConf("extra", type: "plug-extra")],
                                              extraConfig: #""defaultNetworks":["extra"],"#, delegates: [planningConf("net-a", type: "plug-a")])
            defer { fixture.dir.remove() }
            let multus = try fixture.multus(.add, args: "K8S_POD_NAMESPACE=\(namespace);K8S_POD_NAME=web-0")
            _ = try await multus.add()
            #expect(fixture.executor.calls("ADD").map(\.type) == expected, "namespace \(namespace)")
        }
    }
}
