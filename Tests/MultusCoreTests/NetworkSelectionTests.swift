import CNISpec
import Testing
@testable import MultusCore

struct NetworkSelectionTests {
    @Test func commaFormWithNamespacesAndInterfaceNames() throws {
        let s = try NetworkSelection.parse(" macvlan , other/sriov@data0,bridge@br1 ", defaultNamespace: "apps")
        #expect(s.map(\.key.description) == ["apps/macvlan", "other/sriov", "apps/bridge"])
        #expect(s.map(\.interfaceRequest) == [nil, "data0", "br1"])
    }

    @Test(arguments: ["Macvlan", "a/b/c", "net@if@x", "-bad", "ok@a/b", "ok@has space", "ok@much-too-long-name", "ok@.."])
    func commaFormRejectsNamesThatAreNotDNSLabels(text: String) {
        #expect(throws: CNIError.self) { try NetworkSelection.parse(text, defaultNamespace: "apps") }
    }

    /// The `@ifname` part follows the CNI interface-name rule only, as in Go.
    @Test func commaFormInterfaceNamesFollowTheCNIRuleOnly() throws {
        let s = try NetworkSelection.parse("net1@my_if,default/net1@Data.100", defaultNamespace: "apps")
        #expect(s.map(\.interfaceRequest) == ["my_if", "Data.100"])
        #expect(s.map(\.key.description) == ["apps/net1", "default/net1"])
    }

    @Test func jsonFormReadsEveryKey() throws {
        let text = """
        [{"name":"sriov","namespace":"net","interface":"data0","ips":["10.1.1.5/24","fd00::5"],"mac":"02:00:00:00:00:05",
          "infiniband-guid":"c2:11:22:33:44:55:66:77","portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}],
          "bandwidth":{"ingressRate":1000},"deviceID":"0000:03:00.1","cni-args":{"vlan":"100"},"default-route":["10.1.1.1"]},
         {"name":"plain","interfaceRequest":"legacy0"}]
        """
        let s = try NetworkSelection.parse(text, defaultNamespace: "apps")
        #expect(s.count == 2)
        #expect(s[0].key.description == "net/sriov" && s[0].interfaceRequest == "data0")
        #expect(s[0].ips == ["10.1.1.5/24", "fd00::5"] && s[0].mac == "02:00:00:00:00:05")
        #expect(s[0].infinibandGUID == "c2:11:22:33:44:55:66:77" && s[0].deviceID == "0000:03:00.1")
        #expect(s[0].portMappings?.arrayValue?.count == 1 && s[0].bandwidth?["ingressRate"] == 1000)
        #expect(s[0].cniArgs?["vlan"] == "100" && s[0].defaultRoute == ["10.1.1.1"])
        #expect(s[1].key.description == "apps/plain" && s[1].interfaceRequest == "legacy0")
    }

    @Test(arguments: [
        ("{\"name\":\"x\"}", "array"),
        ("[{\"name\":\"x\",\"mac\":\"zz:00:00:00:00:00\"}]", "zz:00:00:00:00:00"),
        ("[{\"name\":\"x\",\"ips\":[\"10.0.0.256\"]}]", "10.0.0.256"),
        ("[{\"name\":\"x\",\"ips\":[\"10.0.0.1/33\"]}]", "10.0.0.1/33"),
        ("[{\"name\":\"x\",\"infiniband-guid\":\"12345\"}]", "12345"),
        ("[{\"name\":\"x\",\"interface\":\"much-too-long-name\"}]", "much-too-long-name"),
        ("[{\"namespace\":\"x\"}]", "name"),
        ("[{\"name\":\"x\"", "JSON"),
    ])
    func badValuesAreNamedInTheError(text: String, named: String) {
        #expect {
            try NetworkSelection.parse(text, defaultNamespace: "apps")
        } throws: { error in
            (error as? CNIError)?.msg.contains(named) == true && (error as? CNIError)?.code == CNIError.invalidNetworkConfig
        }
    }
}
