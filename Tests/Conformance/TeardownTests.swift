import CNISpec
import Foundation
import Testing

/// DEL and GC never leak an address, a link or a cache file.
@Suite(.enabled(if: Harness.canRun, "needs root and containernetworking-plugins in /usr/lib/cni"))
struct TeardownTests {
    private func twoNetworkConfig(_ sandbox: Sandbox, version: String = "1.0.0") throws -> String {
        sandbox.multusConfig(version: version, [
            ("clusterNetwork", .string(try sandbox.write(sandbox.bridgeNetwork(name: "cluster"), to: "10-cluster.conf"))),
            ("defaultNetworks", [.string(try sandbox.write(sandbox.macvlanNetwork(name: "macvlan-net"), to: "20-macvlan.conf"))]),
        ])
    }

    @Test func delTwiceSucceeds() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let config = try twoNetworkConfig(sandbox)
        #expect(try sandbox.cni("ADD", config).status == 0)
        let first = try sandbox.cni("DEL", config)
        #expect(first.status == 0, "\(first.stdout)")
        let second = try sandbox.cni("DEL", config)
        #expect(second.status == 0, "\(second.stdout)")
        #expect(try sandbox.interfaces().isEmpty)
        #expect(sandbox.reservedAddresses().isEmpty)
        #expect(sandbox.cacheFiles().isEmpty)
    }

    @Test func delAfterTheNamespaceIsGoneFreesAddresses() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let config = try twoNetworkConfig(sandbox)
        #expect(try sandbox.cni("ADD", config).status == 0)
        #expect(sandbox.reservedAddresses().count == 2)
        try Harness.ip("netns", "del", sandbox.netnsName)
        let del = try sandbox.cni("DEL", config)
        #expect(del.status == 0, "\(del.stdout)")
        #expect(sandbox.reservedAddresses().isEmpty)
        #expect(sandbox.cacheFiles().isEmpty)
    }

    @Test func delWithCorruptedScratchCacheFallsBackToResultsCache() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let config = try twoNetworkConfig(sandbox)
        #expect(try sandbox.cni("ADD", config).status == 0)
        try "{\"truncated".write(toFile: sandbox.cniDir + "/ctr-\(sandbox.id)", atomically: false, encoding: .utf8)
        let del = try sandbox.cni("DEL", config)
        #expect(del.status == 0, "\(del.stdout)")
        #expect(try sandbox.interfaces().isEmpty)
        #expect(sandbox.reservedAddresses().isEmpty)
        #expect(sandbox.cacheFiles().isEmpty)
    }

    @Test func delWithMissingScratchCacheFallsBackToResultsCache() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let config = try twoNetworkConfig(sandbox)
        #expect(try sandbox.cni("ADD", config).status == 0)
        try FileManager.default.removeItem(atPath: sandbox.cniDir + "/ctr-\(sandbox.id)")
        #expect(try sandbox.cni("DEL", config).status == 0)
        #expect(try sandbox.interfaces().isEmpty)
        #expect(sandbox.reservedAddresses().isEmpty)
        #expect(sandbox.cacheFiles().isEmpty)
    }

    @Test func gcRemovesExactlyTheContainersNotInTheValidList() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        try sandbox.addNamespace("\(sandbox.netnsName)-b")
        let netnsB = "/var/run/netns/\(sandbox.netnsName)-b"
        let config = try twoNetworkConfig(sandbox, version: "1.1.0")
        #expect(try sandbox.cni("ADD", config, containerID: "keep-\(sandbox.id)").status == 0)
        #expect(try sandbox.cni("ADD", config, containerID: "stale-\(sandbox.id)", netns: netnsB).status == 0)
        #expect(sandbox.reservedAddresses().count == 4)

        var gcConfig = try JSONValue(parsing: config)
        gcConfig["cni.dev/valid-attachments"] = [["containerID": .string("keep-\(sandbox.id)"), "ifname": "eth0"]]
        let gc = try Harness.run(Harness.binary, [], environment: ["CNI_COMMAND": "GC", "CNI_PATH": Harness.pluginDir],
                                 stdin: gcConfig.serialized)
        #expect(gc.status == 0, "\(gc.stdout)")

        #expect(try sandbox.interfaces(in: "\(sandbox.netnsName)-b").isEmpty)
        #expect(try sandbox.interfaces() == ["eth0", "net1"])
        #expect(sandbox.reservedAddresses().count == 2)
        #expect(!sandbox.cacheFiles().contains { $0.contains("stale-") })
        #expect(sandbox.cacheFiles().contains("keep-\(sandbox.id)"))

        #expect(try sandbox.cni("DEL", config, containerID: "keep-\(sandbox.id)").status == 0)
        #expect(sandbox.reservedAddresses().isEmpty)
        #expect(sandbox.cacheFiles().isEmpty)
    }

    @Test func twentyPodsAddedAndDeletedConcurrentlyLeakNothing() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let pods = (0..<20).map { "\(sandbox.netnsName)-\($0)" }
        for pod in pods { try sandbox.addNamespace(pod) }
        // One shared bridge network and one shared macvlan network, as on a node.
        let config = try twoNetworkConfig(sandbox)
        let failures = LockedList()
        DispatchQueue.concurrentPerform(iterations: pods.count) { i in
            do {
                let add = try sandbox.cni("ADD", config, containerID: "pod\(i)-\(sandbox.id)", netns: "/var/run/netns/\(pods[i])")
                if add.status != 0 { failures.append("ADD \(i): \(add.stdout)") }
            } catch { failures.append("ADD \(i): \(error)") }
        }
        #expect(failures.items.isEmpty, "\(failures.items)")
        #expect(sandbox.reservedAddresses().count == 40)
        for pod in pods { #expect(try sandbox.interfaces(in: pod) == ["eth0", "net1"]) }

        DispatchQueue.concurrentPerform(iterations: pods.count) { i in
            do {
                let del = try sandbox.cni("DEL", config, containerID: "pod\(i)-\(sandbox.id)", netns: "/var/run/netns/\(pods[i])")
                if del.status != 0 { failures.append("DEL \(i): \(del.stdout)") }
            } catch { failures.append("DEL \(i): \(error)") }
        }
        #expect(failures.items.isEmpty, "\(failures.items)")
        #expect(sandbox.reservedAddresses().isEmpty)
        #expect(sandbox.cacheFiles().isEmpty)
        for pod in pods { #expect(try sandbox.interfaces(in: pod).isEmpty) }
    }
}

final class LockedList: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ s: String) { lock.lock(); storage.append(s); lock.unlock() }
    var items: [String] { lock.lock(); defer { lock.unlock() }; return storage }
}
