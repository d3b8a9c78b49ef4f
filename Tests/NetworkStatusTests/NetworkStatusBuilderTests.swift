import CNISpec
import NetworkStatus
import Testing

struct NetworkStatusBuilderTests {
    /// A bridge-like 1.0.0 result: host bridge, host veth, sandbox eth0.
    let bridgeResult: JSONValue = [
        "cniVersion": "1.0.0",
        "interfaces": [["name": "cni0", "mac": "aa:aa:aa:aa:aa:01"], ["name": "veth1", "mac": "aa:aa:aa:aa:aa:02"],
                       ["name": "eth0", "mac": "0a:58:0a:f4:00:05", "sandbox": "/var/run/netns/p"]],
        "ips": [["interface": 2, "address": "10.244.0.5/24", "gateway": "10.244.0.1"]],
        "routes": [["dst": "0.0.0.0/0", "gw": "10.244.0.1"]],
        "dns": ["nameservers": ["10.96.0.10"]],
    ]

    @Test func entryHasNameInterfaceBareIPsMacDefaultDNSAndGateway() throws {
        let entries = try NetworkStatusBuilder.entries(network: "cluster", ifName: "eth0", result: bridgeResult,
                                                       resultVersion: .v1_0_0, isDefault: true)
        #expect(entries == [[
            "name": "cluster", "interface": "eth0", "ips": ["10.244.0.5"], "mac": "0a:58:0a:f4:00:05",
            "default": true, "dns": ["nameservers": ["10.96.0.10"]], "gateway": ["10.244.0.1"],
        ]])
    }

    @Test func defaultIsOmittedWhenFalseAndDNSIsAlwaysPresent() throws {
        var result = bridgeResult
        result["dns"] = nil
        result["routes"] = nil
        let entry = try #require(try NetworkStatusBuilder.entries(network: "ns/macvlan", ifName: "net1", result: result,
                                                                  resultVersion: .v1_0_0, isDefault: false).first)
        #expect(entry["default"] == nil)
        #expect(entry["dns"] == [:])
        #expect(entry["gateway"] == nil)
    }

    @Test func oneEntryPerSandboxInterfaceWithItsOwnAddresses() throws {
        let result: JSONValue = [
            "cniVersion": "1.1.0",
            "interfaces": [["name": "net1", "mac": "02:00:00:00:00:01", "sandbox": "/ns", "mtu": 9000],
                           ["name": "net2", "mac": "02:00:00:00:00:02", "sandbox": "/ns"]],
            "ips": [["interface": 0, "address": "192.168.1.2/24"], ["interface": 1, "address": "192.168.2.2/24"],
                    ["interface": 1, "address": "fd00::2/64"]],
        ]
        let entries = try NetworkStatusBuilder.entries(network: "ns/multi", ifName: "net1", result: result,
                                                       resultVersion: .v1_1_0, isDefault: false)
        #expect(entries.count == 2)
        #expect(entries[0]["interface"] == "net1" && entries[0]["ips"] == ["192.168.1.2"] && entries[0]["mtu"] == 9000)
        #expect(entries[1]["interface"] == "net2" && entries[1]["ips"] == ["192.168.2.2", "fd00::2"])
        #expect(entries[1]["mtu"] == nil)
    }

    @Test func resultWithoutInterfacesIsNamedAfterTheAttachment() throws {
        let old: JSONValue = ["cniVersion": "0.2.0", "ip4": ["ip": "10.1.0.2/16", "gateway": "10.1.0.1"]]
        let entries = try NetworkStatusBuilder.entries(network: "legacy", ifName: "net3", result: old,
                                                       resultVersion: .v0_2_0, isDefault: false)
        #expect(entries.count == 1)
        #expect(entries[0]["interface"] == "net3" && entries[0]["ips"] == ["10.1.0.2"])
    }

    @Test func deviceInfoIsCarried() throws {
        let info: JSONValue = ["type": "pci", "version": "1.1.0", "pci": ["pci-address": "0000:03:00.1"]]
        let entry = try #require(try NetworkStatusBuilder.entries(network: "ns/sriov", ifName: "net1", result: bridgeResult,
                                                                  resultVersion: .v1_0_0, isDefault: false, deviceInfo: info).first)
        #expect(entry["device-info"] == info)
    }

    @Test func annotationIsAJSONList() throws {
        let value = NetworkStatusBuilder.annotationValue([["name": "a"], ["name": "b"]])
        #expect(try JSONValue(parsing: value) == [["name": "a"], ["name": "b"]])
    }
}
