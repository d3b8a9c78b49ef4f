import CNISpec
import Delegation
import KubeAPI
import Synchronization
import SystemSupport
import TestSupport
import Testing
@testable import MultusCore

@Suite struct AddCommandTests {
    static let failAtB = ["plug-b/ADD": RecordingExecutor.error(code: 42, msg: "no address left", details: "pool exhausted")]

    @Test func failingDelegateIsDeletedWithEveryEarlierDelegateInReverse() throws {
        let f = try CommandFixture(failures: Self.failAtB)
        defer { f.remove() }
        let error = failure { _ = try f.add() }
        #expect(error?.code == 42 && error?.msg.contains(#"network "net-b""#) == true && error?.details == "pool exhausted")
        #expect(f.executor.trace == ["ADD plug-a@eth0", "ADD plug-b@net1", "DEL plug-b@net1", "DEL plug-a@eth0"])
        #expect(!FileSystem.exists(f.scratchFile))
        #expect(f.resultsEntries.isEmpty)
    }

    /// A complete rollback is a finished DEL: the runtime's DEL after the failed ADD does nothing.
    @Test func afterACompleteRollbackTheRuntimesDelRunsNothing() throws {
        let f = try CommandFixture(failures: Self.failAtB)
        defer { f.remove() }
        _ = failure { _ = try f.add() }
        let before = f.executor.calls.count
        try f.del()
        #expect(f.executor.calls.count == before)
    }

    /// The permanent leak: a conflist [bridge, X]; bridge's ADD succeeded, X's
    /// failed, and the rollback DEL of that network failed too (X crashes).
    @Test func whatAFailedRollbackCouldNotDeleteStaysReachableUntilADelSucceeds() throws {
        let chain = #"{"cniVersion":"1.0.0","name":"chain","plugins":[{"type":"plug-c"},{"type":"plug-b"}]}"#
        let f = try CommandFixture(delegates: [conf("net-a", type: "plug-a"), chain],
                                   failures: ["plug-b/ADD": RecordingExecutor.error(code: 42, msg: "boom"),
                                              "plug-b/DEL": RecordingExecutor.error(code: 11, msg: "crashed")])
        defer { f.remove() }
        #expect(failure { _ = try f.add() }?.code == 42)
        #expect(f.executor.trace == ["ADD plug-a@eth0", "ADD plug-c@net1", "ADD plug-b@net1", "DEL plug-b@net1", "DEL plug-a@eth0"])
        #expect(f.cached()?.map(\.network) == ["chain"])
        // The runtime's DEL while X still fails keeps it; once X recovers, DEL frees the whole chain and the cache goes.
        #expect(failure { try f.del() }?.code == 11)
        #expect(f.cached()?.map(\.network) == ["chain"])
        f.executor.setFailure("plug-b/DEL", nil)
        try f.del()
        #expect(f.executor.trace.suffix(2) == ["DEL plug-b@net1", "DEL plug-c@net1"])
        #expect(!FileSystem.exists(f.scratchFile))
    }

    /// A network whose only plugin failed ADD left nothing of ours: its failing DEL
    /// (macvlan on a missing master) must not block the runtime's DEL forever.
    @Test func aNetworkThatLeftNothingIsNotKeptWhenItsRollbackDelFails() throws {
        let f = try CommandFixture(failures: ["plug-b/ADD": RecordingExecutor.error(code: 999, msg: "Link not found"),
                                              "plug-b/DEL": RecordingExecutor.error(code: 999, msg: "Link not found")])
        defer { f.remove() }
        #expect(failure { _ = try f.add() }?.code == 999)
        #expect(!FileSystem.exists(f.scratchFile))
        try f.del()
    }

    @Test func scratchCacheHoldsTheWholePlanBeforeTheFirstDelegateRuns() throws {
        let seen = Mutex<[String]?>(nil)
        let f = try CommandFixture(failures: Self.failAtB) { cniDir, call in
            guard call.command == "ADD", call.type == "plug-a" else { return }
            let bytes = (try? FileSystem.read(cniDir + "/c0ffee")).flatMap { $0 }
            let list = bytes.flatMap { try? JSONValue(parsing: $0) }?.arrayValue
            seen.withLock { $0 = list?.compactMap { $0["Name"]?.stringValue } }
        }
        defer { f.remove() }
        _ = failure { _ = try f.add() }
        #expect(seen.withLock { $0 } == ["net-a", "net-b", "net-c"])
    }

    @Test func successfulAddReturnsTheMastersResultInTheConfigVersion() throws {
        var f = try CommandFixture(delegates: [conf("net-a", type: "plug-a", version: "1.0.0"), conf("net-b", type: "plug-b", version: "0.4.0")])
        defer { f.remove() }
        f.config.cniVersion = .v0_3_1
        let result = try f.add()
        #expect(f.executor.trace == ["ADD plug-a@eth0", "ADD plug-b@net1"])
        #expect(result["cniVersion"] == "0.3.1" && result["ips"]?.arrayValue?.first?["address"] == "10.1.6.2/24")
        #expect(f.cached()?.map(\.network) == ["net-a", "net-b"])
        #expect(Set(f.resultsEntries.map(\.networkName)) == ["net-a", "net-b"])
    }

    /// Failure after the point of no return: a master result that cannot be converted rolls everything back.
    @Test func aResultThatCannotBeConvertedIsRolledBackBeforeAnythingIsPublished() throws {
        let cluster = InMemoryCluster()
        cluster.addPod("web-0")
        var f = try CommandFixture(cluster: cluster)
        defer { f.remove() }
        f.config.cniVersion = .v0_2_0
        f.executor.setFailure("plug-a/ADD", PluginOutput(status: 0, stdout: Array(#"{"cniVersion":"1.0.0","interfaces":[{"name":"eth0"}]}"#.utf8), stderr: []))
        let error = failure { _ = try f.add() }
        #expect(error?.msg.contains("no valid IP addresses") == true)
        #expect(f.executor.trace.filter { $0.hasPrefix("DEL") } == ["DEL plug-c@net2", "DEL plug-b@net1", "DEL plug-a@eth0"])
        #expect(cluster.snapshot.writes.isEmpty)
    }

    /// As Go Multus ≥ 4.2: a pod deleted before its sandbox got networks takes no address.
    @Test func aPodThatIsGoneGetsAnEmptyResultAndNoDelegateRuns() throws {
        var f = try CommandFixture(cluster: InMemoryCluster())
        defer { f.remove() }
        f.config.cniVersion = .v0_2_0
        let result = try f.add()
        #expect(f.executor.calls.isEmpty)
        #expect(result == ["cniVersion": "0.2.0", "ip4": ["ip": "0.0.0.0/0", "gateway": "0.0.0.0"]])
    }

    @Test func networkStatusIsWrittenOnceWithAnEventPerInterface() throws {
        let cluster = InMemoryCluster()
        cluster.addPod("web-0")
        let f = try CommandFixture(cluster: cluster)
        defer { f.remove() }
        _ = try f.add()
        let writes = cluster.snapshot.writes
        #expect(writes.count == 4)
        let status = try #require(cluster.networkStatus(of: ObjectKey(namespace: "default", name: "web-0")))
        #expect(status.arrayValue?.map { $0["interface"] } == ["eth0", "net1", "net2"])
        #expect(status.arrayValue?.first?["default"] == true)
    }

    @Test func aFailedNetworkStatusWriteRollsBackButAPodGoneMeanwhileDoesNot() throws {
        let cluster = InMemoryCluster()
        cluster.addPod("web-0")
        cluster.update { $0.failures["network-status default/web-0"] = .status(code: 500, reason: "InternalError", message: "etcd") }
        let f = try CommandFixture(cluster: cluster)
        defer { f.remove() }
        #expect(failure { _ = try f.add() } != nil)
        #expect(f.executor.calls("DEL").count == 3)
        cluster.update { $0.failures["network-status default/web-0"] = .status(code: 404, reason: "NotFound", message: "gone") }
        _ = try f.add(containerID: "second")
        #expect(f.executor.calls("DEL").count == 3)
    }

    @Test func anInterfaceThatExistsAlreadyFailsBeforeAnyDelegateRuns() throws {
        let f = try CommandFixture(existingInterfaces: ["net1"])
        defer { f.remove() }
        let error = failure { _ = try f.add() }
        #expect(error?.msg.contains(#"cannot set interface name to "net1""#) == true)
        #expect(f.executor.calls.isEmpty && !FileSystem.exists(f.scratchFile))
    }

    @Test func anAddBringsBackAContainerIDThatWasDeleted() throws {
        let f = try CommandFixture()
        defer { f.remove() }
        _ = try f.add()
        try f.del()
        #expect(f.scratch.isDeleted(containerID: "c0ffee"))
        _ = try f.add()
        #expect(!f.scratch.isDeleted(containerID: "c0ffee"))
        try f.del()
        #expect(f.executor.calls("DEL").count == 6)
    }
}
