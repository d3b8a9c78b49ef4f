import CNISpec
import Foundation
import Testing

/// Upgrade and rollback between Go Multus and multus-swift on one node: what
/// one added, the other deletes, and nothing is left (no link, no host-local
/// reservation, no cache file). The scratch cache is in Go Multus's format;
/// these tests read it only through the fields Go reads. With GO_MULTUS_BIN
/// set to Go Multus's thin binary, the same pods are also DELeted by Go itself.
@Suite(.enabled(if: Harness.canRun, "needs root and containernetworking-plugins in /usr/lib/cni"))
struct GoMultusRollbackTests {
    static let goBinary = ProcessInfo.processInfo.environment["GO_MULTUS_BIN"]

    private func config(_ sandbox: Sandbox, type: String = "multus-swift") throws -> String {
        var json = try JSONValue(parsing: sandbox.multusConfig([
            ("delegates", [sandbox.bridgeNetwork(name: "cluster"), sandbox.macvlanNetwork(name: "second")]),
        ]))
        json["type"] = .string(type)
        return json.serialized
    }

    /// The scratch cache as Go Multus sees it: each entry without what only multus-swift reads.
    private func keepOnlyWhatGoReads(_ sandbox: Sandbox) throws {
        let path = sandbox.cniDir + "/ctr-\(sandbox.id)"
        var entries = try #require(try JSONValue(parsing: String(contentsOfFile: path, encoding: .utf8)).arrayValue)
        for i in entries.indices { entries[i]["multusSwift"] = nil }
        try JSONValue.array(entries).serialized.write(toFile: path, atomically: true, encoding: .utf8)
    }

    private func expectNothingLeft(_ sandbox: Sandbox, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try sandbox.interfaces().isEmpty, sourceLocation: sourceLocation)
        #expect(sandbox.reservedAddresses().isEmpty, sourceLocation: sourceLocation)
        #expect(sandbox.cacheFiles().isEmpty, "\(sandbox.cacheFiles())", sourceLocation: sourceLocation)
    }

    /// Rollback: added by multus-swift, deleted from what Go Multus reads of the cache.
    @Test func aPodAddedByMultusSwiftIsDeletedFromGoMultussViewOfTheCache() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let config = try config(sandbox)
        #expect(try sandbox.cni("ADD", config).status == 0)
        #expect(try sandbox.interfaces() == ["eth0", "net1"])
        try keepOnlyWhatGoReads(sandbox)
        let del = try sandbox.cni("DEL", config)
        #expect(del.status == 0, "\(del.stdout)")
        try expectNothingLeft(sandbox)
    }

    /// The same with the real Go Multus binary, when there is one.
    @Test(.enabled(if: goBinary != nil, "set GO_MULTUS_BIN to Go Multus's thin binary to run it"))
    func aPodAddedByMultusSwiftIsDeletedByGoMultus() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        #expect(try sandbox.cni("ADD", try config(sandbox)).status == 0)
        let del = try Harness.run(Self.goBinary!, [], environment: [
            "CNI_COMMAND": "DEL", "CNI_CONTAINERID": "ctr-\(sandbox.id)", "CNI_NETNS": sandbox.netnsPath,
            "CNI_IFNAME": "eth0", "CNI_PATH": Harness.pluginDir], stdin: try config(sandbox, type: "multus"))
        #expect(del.status == 0, "\(del.stdout)")
        try expectNothingLeft(sandbox)
    }

    /// Upgrade: added by Go Multus (its binary when there is one, else its cache
    /// formats produced from a multus-swift ADD), deleted by multus-swift.
    @Test func aPodAddedByGoMultusIsDeletedByMultusSwift() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        if let go = Self.goBinary {
            let add = try Harness.run(go, [], environment: [
                "CNI_COMMAND": "ADD", "CNI_CONTAINERID": "ctr-\(sandbox.id)", "CNI_NETNS": sandbox.netnsPath,
                "CNI_IFNAME": "eth0", "CNI_PATH": Harness.pluginDir], stdin: try config(sandbox, type: "multus"))
            #expect(add.status == 0, "\(add.stdout)")
        } else {
            #expect(try sandbox.cni("ADD", try config(sandbox)).status == 0)
            try keepOnlyWhatGoReads(sandbox)
        }
        #expect(try sandbox.interfaces() == ["eth0", "net1"])
        #expect(try sandbox.cni("DEL", try config(sandbox)).status == 0)
        try expectNothingLeft(sandbox)
        // And the runtime's second DEL does nothing.
        #expect(try sandbox.cni("DEL", try config(sandbox)).status == 0)
    }
}
