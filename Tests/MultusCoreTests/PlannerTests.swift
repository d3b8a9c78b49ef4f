import CNISpec
import Delegation
import DRAClaimReader
import KubeAPI
import Testing
@testable import MultusCore

/// The pure planner: PlanInputs built in memory, no file, socket or process.
@Suite struct PlannerTests {
    let config: MultusConfig
    let env: CNIEnvironment

    init() throws {
        config = try multusConfig(#"{"name":"m","cniVersion":"1.0.0","clusterNetwork":"/x","deviceInfoDir":"/run/devinfo","runtimeConfig":{"portMappings":[{"hostPort":80}],"bandwidth":{"ingressRate":5}}}"#)
        env = CNIEnvironment(command: .add, containerID: "c1", netns: "/var/run/netns/p", ifName: "eth0",
                             args: try CNIArgs(parsing: "K8S_POD_NAME=p;K8S_POD_NAMESPACE=apps;FOO=bar;K8S_POD_NAME=p"))
    }

    func inline(_ text: String) throws -> NetworkSource { .inline(try JSONValue(parsing: text), field: "delegates[0]") }

    func nad(_ name: String, namespace: String = "apps", config: String, resource: String? = nil) -> NetworkSource {
        var annotations = JSONObject()
        if let resource { annotations["k8s.v1.cni.cncf.io/resourceName"] = .string(resource) }
        return .nad(NetworkAttachmentDefinition(json: ["metadata": ["name": .string(name), "namespace": .string(namespace),
                                                                    "annotations": .object(annotations)],
                                                       "spec": ["config": .string(config)]]), confDirFile: nil)
    }

    func selection(_ name: String, _ edit: (inout NetworkSelection) -> Void = { _ in }) -> NetworkSelection {
        var s = NetworkSelection(name: name, namespace: "apps")
        edit(&s)
        return s
    }

    func plan(_ selections: [(NetworkSelection, NetworkSource)], devices: DeviceAllocations? = nil,
              config: MultusConfig? = nil, forDelete: Bool = false) throws -> [MultusCore.Attachment] {
        let request = NetworkRequest(master: .configured("/x", field: "clusterNetwork"), selections: selections.map(\.0))
        let inputs = PlanInputs(request: request, master: try inline(conf("cluster", type: "bridge")),
                                selected: selections.map(\.1), devices: devices)
        return try Planner(config: config ?? self.config, env: env, forDelete: forDelete).attachments(inputs)
    }

    @Test func masterGetsCNIIfnameAndTheOthersNetN() throws {
        let p = try plan([(selection("a"), nad("a", config: conf("a", type: "macvlan"))),
                          (selection("b"), nad("b", config: conf("b", type: "macvlan")))])
        #expect(p.map(\.ifName) == ["eth0", "net1", "net2"])
        #expect(p.map(\.isMaster) == [true, false, false])
        #expect(p.map(\.statusName) == ["cluster", "apps/a", "apps/b"])
    }

    @Test func requestedInterfaceNameDoesNotRenumberTheRest() throws {
        let p = try plan([(selection("a") { $0.interfaceRequest = "data0" }, nad("a", config: conf("a", type: "macvlan"))),
                          (selection("b"), nad("b", config: conf("b", type: "macvlan")))])
        #expect(p.map(\.ifName) == ["eth0", "data0", "net2"])
    }

    @Test func interfaceNameUsedTwiceIsInvalidConfig() throws {
        let error = #expect(throws: CNIError.self) {
            try plan([(selection("a") { $0.interfaceRequest = "net2" }, nad("a", config: conf("a", type: "macvlan"))),
                      (selection("b"), nad("b", config: conf("b", type: "macvlan")))])
        }
        #expect(error?.msg.contains("\"net2\" is used twice") == true)
    }

    /// Go Multus's createRuntimeConf: IgnoreUnknown and the four pod keys first, then the runtime's; here no key twice.
    @Test func delegateArgsStartWithIgnoreUnknownAndThePodKeysAndHoldNoKeyTwice() throws {
        let p = try plan([])
        #expect(p[0].args.text == "IgnoreUnknown=true;K8S_POD_NAMESPACE=apps;K8S_POD_NAME=p;K8S_POD_INFRA_CONTAINER_ID=;K8S_POD_UID=;FOO=bar")
    }

    @Test func selectionRequestsReachOnlyTheirNetworkAsArgsAndCapabilities() throws {
        let p = try plan([(selection("a") {
            $0.ips = ["10.1.1.5/24"]; $0.mac = "02:00:00:00:00:05"; $0.infinibandGUID = "c2:11:22:33:44:55:66:77"
            $0.bandwidth = ["egressRate": 7]
        }, nad("a", config: conf("a", type: "macvlan")))])
        #expect(p[0].capabilityArgs == config.runtimeConfig)
        #expect(p[0].args["IP"] == nil)
        #expect(p[1].args["IP"] == "10.1.1.5/24" && p[1].args["MAC"] == "02:00:00:00:00:05")
        #expect(p[1].capabilityArgs["ips"] == ["10.1.1.5/24"] && p[1].capabilityArgs["mac"] == "02:00:00:00:00:05")
        #expect(p[1].capabilityArgs["infinibandGUID"] == "c2:11:22:33:44:55:66:77")
        #expect(p[1].capabilityArgs["bandwidth"] == ["egressRate": 7])
        #expect(p[1].capabilityArgs["portMappings"] == config.runtimeConfig["portMappings"])
    }

    /// Go Multus's injectCNIArgs: the selection's keys win, keys the NAD had stay, in every plugin of a conflist.
    @Test func cniArgsAreMergedIntoEveryPluginsArgsCni() throws {
        let list = #"{"cniVersion":"1.0.0","name":"l","plugins":[{"type":"bridge","args":{"cni":{"keep":"me","vlan":"1"}}},{"type":"tuning"}]}"#
        let p = try plan([(selection("l") { $0.cniArgs = JSONObject([("vlan", "100"), ("extra", true)]) }, nad("l", config: list))])
        let plugins = try #require(p[1].network.source["plugins"]?.arrayValue)
        #expect(plugins[0]["args"]?["cni"] == ["keep": "me", "vlan": "100", "extra": true])
        #expect(plugins[1]["args"]?["cni"] == ["vlan": "100", "extra": true])
    }

    @Test func nadConfigWithoutANameGetsTheNADsName() throws {
        let p = try plan([(selection("unnamed"), nad("unnamed", config: #"{"cniVersion":"1.0.0","type":"macvlan"}"#))])
        #expect(p[1].network.name == "unnamed" && p[1].network.source["name"] == "unnamed")
    }

    @Test func devicesAreHandedOutInAnnotationOrderAndInjected() throws {
        let map = ResourceMap([("intel.com/vf", ["0000:03:00.1", "0000:03:00.2"])])
        let p = try plan([(selection("a"), nad("a", config: conf("a", type: "sriov"), resource: "intel.com/vf")),
                          (selection("b"), nad("b", config: conf("b", type: "sriov"), resource: "intel.com/vf"))],
                         devices: .allocated(map))
        #expect(p.compactMap(\.device?.deviceID) == ["0000:03:00.1", "0000:03:00.2"])
        #expect(p[1].network.source["deviceID"] == "0000:03:00.1" && p[1].network.source["pciBusID"] == "0000:03:00.1")
        #expect(p[1].capabilityArgs["deviceID"] == "0000:03:00.1")
        #expect(p[1].capabilityArgs["CNIDeviceInfoFile"] == "/run/devinfo/cni/apps-a-c1_net1")
    }

    /// Go Multus: the selection's own deviceID is runtimeConfig only, the config is left alone.
    @Test func selectionDeviceIDIsRuntimeConfigOnly() throws {
        let p = try plan([(selection("a") { $0.deviceID = "0000:05:00.0" }, nad("a", config: conf("a", type: "host-device")))])
        #expect(p[1].capabilityArgs["deviceID"] == "0000:05:00.0")
        #expect(p[1].network.source["deviceID"] == nil)
    }

    @Test func aResourceWithNoDeviceSourceFailsTheAddNamingTheResourceButNotADel() throws {
        let sources = [(selection("a"), nad("a", config: conf("a", type: "sriov"), resource: "intel.com/vf"))]
        let error = #expect(throws: CNIError.self) { try plan(sources, devices: .unavailable("no device source answered")) }
        #expect(error?.msg.contains("intel.com/vf") == true && error?.msg.contains("apps/a") == true)
        #expect(try plan(sources, devices: .unavailable("gone"), forDelete: true)[1].device == nil)
    }

    @Test func moreThanOneDefaultRouteGatewayPerFamilyIsRefused() throws {
        let error = #expect(throws: CNIError.self) {
            try plan([(selection("a") { $0.defaultRoute = ["10.0.0.1"] }, nad("a", config: conf("a", type: "macvlan"))),
                      (selection("b") { $0.defaultRoute = ["10.0.1.1"] }, nad("b", config: conf("b", type: "macvlan")))])
        }
        #expect(error?.msg.contains("ECMP") == true)
        #expect(try plan([(selection("a") { $0.defaultRoute = ["10.0.0.1", "fd00::1"] }, nad("a", config: conf("a", type: "macvlan")))])
            .count == 2)
    }

    @Test func anAuxiliaryChainWithPluginsComesLastHeadedByPassthru() throws {
        let c = try multusConfig(#"{"name":"m","cniVersion":"1.0.0","clusterNetwork":"/etc/cni/net.d/10.conf","auxiliaryCNIChainName":"aux"}"#)
        let inputs = PlanInputs(request: NetworkRequest(config: c), master: try inline(conf("cluster", type: "bridge")),
                                auxiliaryPlugins: [["type": "tuning"]])
        let p = try Planner(config: c, env: env).attachments(inputs)
        #expect(p.map(\.ifName) == ["eth0", "net1"])
        #expect(p[1].network.name == "aux" && p[1].network.plugins.map(\.type) == ["passthru", "tuning"])
        var empty = inputs
        empty.auxiliaryPlugins = []
        #expect(try Planner(config: c, env: env).attachments(empty).count == 1)
    }

    @Test func aNetworkNameTooLongForItsCacheFileIsRefusedBeforeAnythingRuns() throws {
        let long = String(repeating: "n", count: 220)
        let error = #expect(throws: CNIError.self) {
            try plan([(selection("a"), nad("a", config: conf(long, type: "macvlan")))])
        }
        #expect(error?.code == CNIError.invalidNetworkConfig && error?.msg.contains("shorter network name") == true)
    }
}
