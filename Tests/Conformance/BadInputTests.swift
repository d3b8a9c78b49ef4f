import CNISpec
import Foundation
import Testing

/// Bad input gets a CNI error with the right code and a message naming the
/// culprit, and leaves nothing behind.
@Suite(.enabled(if: Harness.canRun, "needs root and containernetworking-plugins in /usr/lib/cni"))
struct BadInputTests {
    private func expectNothingLeft(_ sandbox: Sandbox) throws {
        #expect(try sandbox.interfaces().isEmpty)
        #expect(sandbox.reservedAddresses().isEmpty)
        #expect(sandbox.cacheFiles().isEmpty)
    }

    @Test func configThatIsNotJSONIsADecodingError() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let add = try sandbox.cni("ADD", "{ this is not json")
        #expect(add.status == 1)
        #expect(add.json?["code"]?.intValue == CNIError.decodingFailure, "\(add.stdout)")
        try expectNothingLeft(sandbox)
    }

    @Test func missingNetnsOnAddIsAnEnvironmentError() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let config = sandbox.multusConfig([("delegates", [sandbox.bridgeNetwork(name: "cluster")])])
        let add = try sandbox.cni("ADD", config, netns: "")
        #expect(add.status == 1)
        #expect(add.json?["code"]?.intValue == CNIError.invalidEnvironment)
        #expect(add.json?["msg"]?.stringValue?.contains("CNI_NETNS") == true, "\(add.stdout)")
        try expectNothingLeft(sandbox)
    }

    @Test(arguments: ["this-name-is-too-long", "bad/name", "a:b", ".."])
    func badInterfaceNameIsAnEnvironmentError(ifName: String) throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let config = sandbox.multusConfig([("delegates", [sandbox.bridgeNetwork(name: "cluster")])])
        let add = try sandbox.cni("ADD", config, ifName: ifName)
        #expect(add.status == 1)
        #expect(add.json?["code"]?.intValue == CNIError.invalidEnvironment)
        #expect(add.json?["msg"]?.stringValue?.contains(ifName) == true, "\(add.stdout)")
        try expectNothingLeft(sandbox)
    }

    @Test func badContainerIDIsAnEnvironmentError() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let config = sandbox.multusConfig([("delegates", [sandbox.bridgeNetwork(name: "cluster")])])
        let add = try sandbox.cni("ADD", config, containerID: "../../etc")
        #expect(add.json?["code"]?.intValue == CNIError.invalidEnvironment, "\(add.stdout)")
        try expectNothingLeft(sandbox)
    }

    @Test func unknownPluginTypeIsNamed() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        var unknown = sandbox.macvlanNetwork(name: "mystery")
        unknown["type"] = "no-such-plugin"
        let config = sandbox.multusConfig([
            ("clusterNetwork", .string(try sandbox.write(sandbox.bridgeNetwork(name: "cluster"), to: "10-cluster.conf"))),
            ("defaultNetworks", [.string(try sandbox.write(unknown, to: "20-mystery.conf"))]),
        ])
        let add = try sandbox.cni("ADD", config)
        #expect(add.status == 1)
        let msg = add.json?["msg"]?.stringValue ?? ""
        #expect(msg.contains("no-such-plugin") && msg.contains("mystery"), "\(msg)")
        try expectNothingLeft(sandbox)
    }

    @Test func pluginTypeWithAPathIsRefused() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        var escape = sandbox.bridgeNetwork(name: "cluster")
        escape["type"] = "../../../bin/true"
        let add = try sandbox.cni("ADD", sandbox.multusConfig([("delegates", [escape])]))
        #expect(add.status == 1)
        #expect(add.json?["code"]?.intValue == CNIError.invalidNetworkConfig)
        #expect(add.json?["msg"]?.stringValue?.contains("../../../bin/true") == true, "\(add.stdout)")
        try expectNothingLeft(sandbox)
    }

    @Test func unknownDefaultNetworkNameIsNamed() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let config = sandbox.multusConfig([("clusterNetwork", .string(try sandbox.write(sandbox.bridgeNetwork(name: "cluster"), to: "10-cluster.conf"))),
                                           ("defaultNetworks", ["nowhere"])])
        let add = try sandbox.cni("ADD", config)
        #expect(add.json?["code"]?.intValue == CNIError.invalidNetworkConfig)
        #expect(add.json?["msg"]?.stringValue?.contains("\"nowhere\"") == true, "\(add.stdout)")
        try expectNothingLeft(sandbox)
    }
}
