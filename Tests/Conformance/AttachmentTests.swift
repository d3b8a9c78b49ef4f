import CNISpec
import Foundation
import Testing

/// ADD/CHECK/DEL with the real reference plugins in a real namespace.
@Suite(.enabled(if: Harness.canRun, "needs root and containernetworking-plugins in /usr/lib/cni"))
struct AttachmentTests {
    @Test func clusterNetworkAndDefaultNetworksAttachInOrder() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        // The cluster network by path, a default network by name (confDir), a conflist by path.
        let clusterPath = try sandbox.write(sandbox.bridgeNetwork(name: "cluster"), to: "10-cluster.conf")
        _ = try sandbox.write(sandbox.macvlanNetwork(name: "macvlan-net"), to: "20-macvlan.conf")
        let tuningPath = try sandbox.write(sandbox.bridgeTuningList(name: "tuned-bridge", mtu: 1400), to: "30-tuned.conflist")
        let config = sandbox.multusConfig([("clusterNetwork", .string(clusterPath)),
                                           ("defaultNetworks", ["macvlan-net", .string(tuningPath)])])

        let add = try sandbox.cni("ADD", config)
        #expect(add.status == 0, "\(add.stdout) \(add.stderr)")
        #expect(try sandbox.interfaces() == ["eth0", "net1", "net2"])
        #expect(try sandbox.ipv4Addresses(of: "eth0").count == 1)
        #expect(try sandbox.ipv4Addresses(of: "net1").count == 1)
        #expect(try sandbox.ipv4Addresses(of: "net2").count == 1)
        #expect(try sandbox.mtu(of: "net2") == 1400)
        // The runtime gets the master's result: the eth0 address.
        let result = try #require(add.json)
        let eth0Address = try sandbox.ipv4Addresses(of: "eth0").first
        #expect(result["ips"]?.arrayValue?.first?["address"]?.stringValue == eth0Address)
        #expect(sandbox.reservedAddresses().count == 3)

        let check = try sandbox.cni("CHECK", config)
        #expect(check.status == 0, "\(check.stdout)")

        // Take net1's address away by hand: CHECK must notice.
        let net1Address = try #require(try sandbox.ipv4Addresses(of: "net1").first)
        try Harness.ip("-n", sandbox.netnsName, "addr", "del", net1Address, "dev", "net1")
        let failedCheck = try sandbox.cni("CHECK", config)
        #expect(failedCheck.status == 1)
        #expect(failedCheck.json?["msg"]?.stringValue?.contains("macvlan-net") == true, "\(failedCheck.stdout)")

        let del = try sandbox.cni("DEL", config)
        #expect(del.status == 0, "\(del.stdout)")
        #expect(try sandbox.interfaces().isEmpty)
        #expect(sandbox.reservedAddresses().isEmpty)
        #expect(sandbox.cacheFiles().isEmpty)
    }

    @Test(arguments: ["0.4.0", "0.2.0"])
    func masterResultIsConvertedToTheRuntimesVersion(version: String) throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let config = sandbox.multusConfig(version: version, [("delegates", [sandbox.bridgeNetwork(name: "cluster")])])
        let add = try sandbox.cni("ADD", config)
        #expect(add.status == 0, "\(add.stdout)")
        let result = try #require(add.json)
        #expect(result["cniVersion"]?.stringValue == version)
        let address = try sandbox.ipv4Addresses(of: "eth0").first
        if version == "0.2.0" {
            #expect(result["ip4"]?["ip"]?.stringValue == address)
            #expect(result["ips"] == nil)
        } else {
            #expect(result["ips"]?.arrayValue?.first?["version"]?.stringValue == "4")
            #expect(result["ips"]?.arrayValue?.first?["address"]?.stringValue == address)
        }
        #expect(try sandbox.cni("DEL", config).status == 0)
    }

    @Test func failingSecondNetworkRollsBackEverything() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let config = sandbox.multusConfig([
            ("clusterNetwork", .string(try sandbox.write(sandbox.bridgeNetwork(name: "cluster"), to: "10-cluster.conf"))),
            ("defaultNetworks", [.string(try sandbox.write(sandbox.macvlanNetwork(name: "broken-macvlan", master: "nosuch\(sandbox.id)"),
                                                          to: "20-broken.conf"))]),
        ])
        let add = try sandbox.cni("ADD", config)
        #expect(add.status == 1)
        let error = try #require(add.json)
        let msg = error["msg"]?.stringValue ?? ""
        #expect(msg.contains("broken-macvlan"), "\(msg)")
        #expect(msg.contains("type=\"macvlan\"") && msg.contains("Link not found"), "the plugin and its cause are named: \(msg)")
        #expect(error["code"]?.intValue != nil)
        #expect(try sandbox.interfaces().isEmpty)
        #expect(sandbox.reservedAddresses().isEmpty)
        #expect(sandbox.cacheFiles().isEmpty)
    }

    @Test func interfaceNameAlreadyInTheSandboxFails() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        // net1 exists before ADD (a veth end moved into the namespace).
        try Harness.ip("link", "add", "mswx\(sandbox.id)", "type", "veth", "peer", "name", "mswy\(sandbox.id)")
        try Harness.ip("link", "set", "mswy\(sandbox.id)", "netns", sandbox.netnsName, "name", "net1")
        defer { Harness.ipQuiet("link", "del", "mswx\(sandbox.id)") }
        let config = sandbox.multusConfig([
            ("clusterNetwork", .string(try sandbox.write(sandbox.bridgeNetwork(name: "cluster"), to: "10-cluster.conf"))),
            ("defaultNetworks", [.string(try sandbox.write(sandbox.macvlanNetwork(name: "second"), to: "20-second.conf"))]),
        ])
        let add = try sandbox.cni("ADD", config)
        #expect(add.status == 1)
        #expect(add.json?["msg"]?.stringValue?.contains("\"net1\"") == true, "\(add.stdout)")
        #expect(try sandbox.interfaces() == ["net1"])
        #expect(sandbox.reservedAddresses().isEmpty)
        #expect(sandbox.cacheFiles().isEmpty)
    }
}
