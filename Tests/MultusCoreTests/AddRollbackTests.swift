import SystemSupport
import CNISpec
import Delegation
import Glibc
import Logging
import Synchronization
import Testing
@testable import MultusCore

// MARK: - doubles

/// One delegate plugin execution as the executor saw it.
struct RecordedDelegateCall: Sendable {
    var path: String
    var environment: [String]
    var stdin: JSONValue

    var type: String { path.split(separator: "/").last.map(String.init) ?? path }
    func value(_ key: String) -> String? {
        environment.first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }
    var command: String? { value("CNI_COMMAND") }
    var ifName: String? { value("CNI_IFNAME") }
}

/// Records every plugin execution; ADD answers with a result in the config's
/// version, other verbs with nothing; `failures["type/VERB"]` overrides. `onRun`
/// sees each call before it is answered (to look at the disk at that moment).
final class DelegateRecorder: PluginExecuting {
    private let log = Mutex<[RecordedDelegateCall]>([])
    let failures: [String: PluginOutput]
    let onRun: (@Sendable (RecordedDelegateCall) -> Void)?

    init(failures: [String: PluginOutput] = [:], onRun: (@Sendable (RecordedDelegateCall) -> Void)? = nil) {
        self.failures = failures
        self.onRun = onRun
    }

    func run(_ invocation: PluginInvocation) throws(CNIError) -> PluginOutput {
        let call = RecordedDelegateCall(path: invocation.path, environment: invocation.environment,
                                        stdin: (try? JSONValue(parsing: invocation.stdin)) ?? .null)
        log.withLock { $0.append(call) }
        onRun?(call)
        if let failure = failures["\(call.type)/\(call.command ?? "")"] { return failure }
        guard call.command == "ADD" else { return PluginOutput(status: 0, stdout: [], stderr: []) }
        let result: JSONValue = .object(JSONObject([
            ("cniVersion", .string(call.stdin["cniVersion"]?.stringValue ?? "1.0.0")),
            ("interfaces", [["name": .string(call.ifName ?? ""), "sandbox": "/var/run/netns/pod"]]),
            ("ips", [["address": .string("10.1.\(call.type.utf8.count).2/24"), "interface": 0]]),
        ]))
        return PluginOutput(status: 0, stdout: result.serializedBytes, stderr: [])
    }

    var calls: [RecordedDelegateCall] { log.withLock { $0 } }
    func calls(_ command: String) -> [RecordedDelegateCall] { calls.filter { $0.command == command } }
    /// "VERB type@ifname" for each call, in order.
    var trace: [String] { calls.map { "\($0.command ?? "?") \($0.type)@\($0.ifName ?? "")" } }

    static func error(code: Int, msg: String, details: String = "") -> PluginOutput {
        PluginOutput(status: 1, stdout: CNIError(code: code, msg: msg, details: details).json(cniVersion: "1.0.0").serializedBytes,
                     stderr: [])
    }
}

/// A sandbox where no interface exists yet and default routes are not touched.
struct EmptySandbox: SandboxNetworking {
    func interfaceExists(named name: String, inNetns path: String) throws(CNIError) -> Bool { false }
    func setDefaultRoute(via gateway: String, on ifName: String, inNetns path: String) throws(CNIError) {}
}

/// A temp dir with bin/ (empty plugin files), conf/ and cni/, a multus config
/// over them, and a Multus per request built on the recording executor.
struct RollbackFixture {
    let dir: PlanningTempDir
    let executor: DelegateRecorder
    let config: MultusConfig
    var cniDir: String { dir.file("cni") }
    var bin: String { dir.file("bin") }

    init(plugins: [String] = ["plug-a", "plug-b", "plug-c"], confFiles: [String: String] = [:], extraConfig: String = "",
         delegates: [String] = [planningConf("net-a", type: "plug-a"), planningConf("net-b", type: "plug-b"),
                                planningConf("net-c", type: "plug-c")],
         failures: [String: PluginOutput] = [:],
         onRun: (@Sendable (_ cniDir: String, RecordedDelegateCall) -> Void)? = nil) throws {
        let dir = PlanningTempDir("multus-rollback")
        self.dir = dir
        for plugin in plugins { try dir.write("bin/" + plugin, "", mode: 0o755) }
        for (name, text) in confFiles { try dir.write("conf/" + name, text) }
        let cniDir = dir.file("cni")
        let hook: (@Sendable (RecordedDelegateCall) -> Void)? = onRun.map { onRun in { @Sendable call in onRun(cniDir, call) } }
        executor = DelegateRecorder(failures: failures, onRun: hook)
        config = try planningConfig(#"""
            {"name":"multus","cniVersion":"1.0.0","confDir":"\#(dir.file("conf"))","cniDir":"\#(cniDir)",
             "binDir":"\#(dir.file("bin"))",\#(extraConfig)"delegates":[\#(delegates.joined(separator: ","))]}
            """#)
    }

    func multus(_ command: CNICommand, args: String = "K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0",
                containerID: String = "c0ffee") throws(CNIError) -> Multus {
        let env = CNIEnvironment(command: command, containerID: containerID, netns: "/var/run/netns/pod", ifName: "eth0",
                                 args: try CNIArgs(parsing: args))
        let invoker = PluginInvoker(executor: executor, locator: PluginLocator(directories: [bin]), baseEnvironment: [])
        let runner = NetworkRunner(invoker: invoker, cache: ResultCache(cacheDir: cniDir))
        return Multus(config: config, env: env, runner: runner, sandbox: EmptySandbox(), cluster: nil,
                      logger: Logger(label: "multus-test") { _ in SwiftLogNoOpLogHandler() })
    }

    var scratchCache: String { cniDir + "/c0ffee" }
    var resultsEntries: [CachedResult] { ResultCache(cacheDir: cniDir).entries(containerID: "c0ffee") }
}

/// Runs `body`, returning the CNI error it threw (nil when it succeeded).
func rollbackFailure(_ body: () async throws(CNIError) -> Void) async -> CNIError? {
    do { try await body(); return nil } catch { return error }
}

// MARK: - ADD failure

@Suite struct AddRollbackTests {
    static let failAtB = ["plug-b/ADD": DelegateRecorder.error(code: 42, msg: "no address left", details: "pool exhausted")]

    @Test func failingDelegateIsDeletedWithEveryEarlierDelegateInReverse() async throws {
        let f = try RollbackFixture(failures: Self.failAtB)
        defer { f.dir.remove() }
        let failure = await rollbackFailure { () async throws(CNIError) in _ = try await f.multus(.add).add() }
        #expect(failure != nil)
        #expect(f.executor.trace == ["ADD plug-a@eth0", "ADD plug-b@net1", "DEL plug-b@net1", "DEL plug-a@eth0"])
    }

    @Test func rollbackRemovesTheScratchCacheAndTheResultsCacheEntries() async throws {
        let f = try RollbackFixture(failures: Self.failAtB)
        defer { f.dir.remove() }
        _ = await rollbackFailure { () async throws(CNIError) in _ = try await f.multus(.add).add() }
        #expect(!FileSystem.exists(f.scratchCache))
        #expect(f.resultsEntries.isEmpty)
    }

    @Test func addFailureReportsTheOriginalErrorPrefixedWithTheNetworkName() async throws {
        let f = try RollbackFixture(failures: Self.failAtB)
        defer { f.dir.remove() }
        let failure = try #require(await rollbackFailure { () async throws(CNIError) in _ = try await f.multus(.add).add() })
        #expect(failure.code == 42)
        #expect(failure.msg.contains(#"network "net-b""#))
        #expect(failure.msg.hasSuffix("no address left"))
        #expect(failure.details == "pool exhausted")
    }

    @Test func originalErrorIsReportedEvenWhenARollbackDelFails() async throws {
        var failures = Self.failAtB
        failures["plug-a/DEL"] = DelegateRecorder.error(code: 11, msg: "busy")
        let f = try RollbackFixture(failures: failures)
        defer { f.dir.remove() }
        let failure = try #require(await rollbackFailure { () async throws(CNIError) in _ = try await f.multus(.add).add() })
        #expect(failure.code == 42)
        #expect(f.executor.trace == ["ADD plug-a@eth0", "ADD plug-b@net1", "DEL plug-b@net1", "DEL plug-a@eth0"])
        #expect(!FileSystem.exists(f.scratchCache))
    }

    @Test func scratchCacheHoldsTheWholePlanBeforeTheFirstDelegateRuns() async throws {
        let seen = Mutex<AttachmentCache.LoadOutcome?>(nil)
        let f = try RollbackFixture(failures: Self.failAtB) { cniDir, call in
            guard call.command == "ADD", call.type == "plug-a" else { return }
            let outcome = AttachmentCache(cniDir: cniDir).load(containerID: "c0ffee")
            seen.withLock { $0 = outcome }
        }
        defer { f.dir.remove() }
        _ = await rollbackFailure { () async throws(CNIError) in _ = try await f.multus(.add).add() }

        guard case .found(let record)? = seen.withLock({ $0 }) else {
            Issue.record("no scratch cache when the first delegate ran: \(String(describing: seen.withLock { $0 }))")
            return
        }
        #expect(record.containerID == "c0ffee")
        #expect(record.netns == "/var/run/netns/pod")
        #expect(record.attachments.map(\.network) == ["net-a", "net-b", "net-c"])
        #expect(record.attachments.map(\.ifName) == ["eth0", "net1", "net2"])
        #expect(record.attachments.map(\.isMaster) == [true, false, false])
        #expect(record.attachments.allSatisfy { $0.args["K8S_POD_NAME"] == "web-0" })
    }

    @Test func successfulAddKeepsTheScratchCacheAndReturnsTheMastersResultInTheConfigVersion() async throws {
        let f = try RollbackFixture(extraConfig: "", delegates: [planningConf("net-a", type: "plug-a", version: "1.0.0"),
                                                                 planningConf("net-b", type: "plug-b", version: "0.4.0")])
        defer { f.dir.remove() }
        var config = f.config
        config.cniVersion = .v0_3_1
        var multus = try f.multus(.add)
        multus.config = config
        let result = try await multus.add()
        #expect(f.executor.trace == ["ADD plug-a@eth0", "ADD plug-b@net1"])
        #expect(result["cniVersion"] == "0.3.1")
        #expect(result["ips"]?.arrayValue?.first?["address"] == "10.1.6.2/24")
        guard case .found(let record) = AttachmentCache(cniDir: f.cniDir).load(containerID: "c0ffee") else {
            Issue.record("scratch cache missing after a successful ADD")
            return
        }
        #expect(record.attachments.map(\.network) == ["net-a", "net-b"])
        #expect(Set(f.resultsEntries.map(\.networkName)) == ["net-a", "net-b"])
    }
}

// MARK: - DEL

@Suite struct DelFromCachesTests {
    private func added(_ f: RollbackFixture) async throws {
        _ = try await f.multus(.add).add()
        #expect(FileSystem.exists(f.scratchCache))
    }

    private func delTrace(_ f: RollbackFixture) -> [String] { f.executor.trace.filter { $0.hasPrefix("DEL") } }

    @Test func delDeletesEveryCachedAttachmentInReverseAndRemovesTheCaches() async throws {
        let f = try RollbackFixture()
        defer { f.dir.remove() }
        try await added(f)
        try await f.multus(.del).del()
        #expect(delTrace(f) == ["DEL plug-c@net2", "DEL plug-b@net1", "DEL plug-a@eth0"])
        #expect(!FileSystem.exists(f.scratchCache))
        #expect(f.resultsEntries.isEmpty)
    }

    @Test func failedDelegateDelKeepsTheScratchCacheWithRetryDeleteOnError() async throws {
        let f = try RollbackFixture(extraConfig: #""retryDeleteOnError":true,"#,
                                    failures: ["plug-b/DEL": DelegateRecorder.error(code: 11, msg: "try later")])
        defer { f.dir.remove() }
        try await added(f)
        let failure = await rollbackFailure { () async throws(CNIError) in try await f.multus(.del).del() }
        #expect(failure?.code == 11)
        #expect(failure?.msg.contains("net-b") == true)
        // The others are still deleted.
        #expect(delTrace(f) == ["DEL plug-c@net2", "DEL plug-b@net1", "DEL plug-a@eth0"])
        #expect(FileSystem.exists(f.scratchCache))
    }

    @Test func failedDelegateDelRemovesTheScratchCacheWithoutRetryDeleteOnError() async throws {
        let f = try RollbackFixture(extraConfig: #""retryDeleteOnError":false,"#,
                                    failures: ["plug-b/DEL": DelegateRecorder.error(code: 11, msg: "try later")])
        defer { f.dir.remove() }
        try await added(f)
        let failure = await rollbackFailure { () async throws(CNIError) in try await f.multus(.del).del() }
        #expect(failure?.code == 11)
        #expect(delTrace(f) == ["DEL plug-c@net2", "DEL plug-b@net1", "DEL plug-a@eth0"])
        #expect(!FileSystem.exists(f.scratchCache))
        // The failed delegate keeps its results-cache entry, so a retried DEL still finds it.
        #expect(f.resultsEntries.map(\.networkName) == ["net-b"])
    }

    @Test func delWithoutScratchCacheUsesTheResultsCacheAndDeletesTheMasterLast() async throws {
        // The master's cache file sorts last by name, so only the rule puts it last.
        let f = try RollbackFixture(delegates: [planningConf("zz-master", type: "plug-a"), planningConf("net-b", type: "plug-b"),
                                                planningConf("net-c", type: "plug-c")])
        defer { f.dir.remove() }
        try await added(f)
        let cached = Dictionary(uniqueKeysWithValues: f.resultsEntries.map { ($0.networkName, $0.result) })
        unlink(f.scratchCache)

        try await f.multus(.del).del()
        let dels = f.executor.calls("DEL")
        #expect(dels.count == 3)
        #expect(dels.last?.type == "plug-a")
        #expect(dels.last?.ifName == "eth0")
        #expect(Set(dels.dropLast().map { "\($0.type)@\($0.ifName ?? "")" }) == ["plug-b@net1", "plug-c@net2"])
        for call in dels {
            let name = call.stdin["name"]?.stringValue ?? ""
            #expect(call.stdin["prevResult"] == cached[name] ?? nil, "prevResult of \(name)")
            #expect(call.value("CNI_ARGS")?.contains("K8S_POD_NAME=web-0") == true)
        }
        #expect(f.resultsEntries.isEmpty)
    }

    @Test func delWithAnUnreadableScratchCacheFallsBackToTheResultsCache() async throws {
        let f = try RollbackFixture()
        defer { f.dir.remove() }
        try await added(f)
        try f.dir.write("cni/c0ffee", "{corrupted", mode: 0o600)
        try await f.multus(.del).del()
        #expect(f.executor.calls("DEL").count == 3)
        #expect(f.executor.calls("DEL").last?.type == "plug-a")
        #expect(!FileSystem.exists(f.scratchCache))
        #expect(f.resultsEntries.isEmpty)
    }

    @Test func delWithNothingCachedSucceedsWithoutRunningAnything() async throws {
        let f = try RollbackFixture()
        defer { f.dir.remove() }
        try await f.multus(.del).del()
        #expect(f.executor.calls.isEmpty)
    }

    @Test func secondDelSucceedsWithoutRunningAnything() async throws {
        let f = try RollbackFixture()
        defer { f.dir.remove() }
        try await added(f)
        try await f.multus(.del).del()
        let afterFirst = f.executor.calls.count
        try await f.multus(.del).del()
        #expect(f.executor.calls.count == afterFirst)
    }

    @Test func delOfOneContainerLeavesAnotherContainersCachesAlone() async throws {
        let f = try RollbackFixture()
        defer { f.dir.remove() }
        _ = try await f.multus(.add, containerID: "other").add()
        unlink(f.cniDir + "/other")
        try await f.multus(.del).del()
        #expect(f.executor.calls("DEL").isEmpty)
        #expect(ResultCache(cacheDir: f.cniDir).entries(containerID: "other").count == 3)
    }
}
