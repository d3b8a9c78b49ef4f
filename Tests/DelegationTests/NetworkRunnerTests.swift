import SystemSupport
import CNISpec
import FoundationEssentials
import Glibc
import Synchronization
import struct TestSupport.TemporaryDirectory
import Testing
@testable import Delegation

// MARK: - helpers shared by the Delegation tests

extension TemporaryDirectory {
    /// Creates `dir` (under this directory) holding empty files with mode 0755, named like plugins.
    @discardableResult
    func plugins(_ names: [String], in dir: String = "bin") -> String {
        let folder = file(dir)
        do {
            try FileSystem.makeDirectories(folder, mode: 0o755)
            for name in names { try write(dir + "/" + name, "", mode: 0o755) }
        } catch {
            preconditionFailure("cannot create plugins in \(folder): \(error)")
        }
        return folder
    }

    /// Permission bits of a file or directory, nil when it does not exist.
    static func mode(of path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o7777
    }
}

/// One plugin execution as the executor saw it.
struct RecordedCall: Sendable {
    var path: String
    var environment: [String]
    var stdin: JSONValue

    /// The binary's file name, i.e. the plugin type.
    var type: String { path.split(separator: "/").last.map(String.init) ?? path }

    /// Every value of `key` in the environment (a correct environment has one).
    func values(_ key: String) -> [String] {
        environment.filter { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }

    func value(_ key: String) -> String? { values(key).first }
    var command: String? { value("CNI_COMMAND") }
}

/// A `PluginExecuting` that records every invocation and answers from a script:
/// ADD returns a result with the IP given for the type (in the config's
/// cniVersion); other verbs print nothing; `failures["type/VERB"]` overrides.
final class RecordingExecutor: PluginExecuting {
    private let log = Mutex<[RecordedCall]>([])
    let ips: [String: String]
    let failures: [String: PluginOutput]

    init(ips: [String: String] = [:], failures: [String: PluginOutput] = [:]) {
        self.ips = ips
        self.failures = failures
    }

    func run(_ invocation: PluginInvocation) throws(CNIError) -> PluginOutput {
        let call = RecordedCall(path: invocation.path, environment: invocation.environment,
                                stdin: (try? JSONValue(parsing: invocation.stdin)) ?? .null)
        log.withLock { $0.append(call) }
        if let failure = failures["\(call.type)/\(call.command ?? "")"] { return failure }
        guard call.command == "ADD" else { return PluginOutput(status: 0, stdout: [], stderr: []) }
        let result = Self.result(version: call.stdin["cniVersion"]?.stringValue ?? "1.0.0",
                                 ifName: call.value("CNI_IFNAME") ?? "", ip: ips[call.type] ?? "10.99.0.2/24")
        return PluginOutput(status: 0, stdout: result.serializedBytes, stderr: [])
    }

    var calls: [RecordedCall] { log.withLock { $0 } }
    func calls(_ command: String) -> [RecordedCall] { calls.filter { $0.command == command } }

    static func result(version: String, ifName: String, ip: String) -> JSONValue {
        .object(JSONObject([
            ("cniVersion", .string(version)),
            ("interfaces", [["name": .string(ifName), "mac": "0a:58:0a:00:00:02", "sandbox": "/var/run/netns/test"]]),
            ("ips", [["address": .string(ip), "gateway": "10.99.0.1", "interface": 0]]),
        ]))
    }

    static func errorOutput(code: Int, msg: String, details: String = "") -> PluginOutput {
        let json = CNIError(code: code, msg: msg, details: details).json(cniVersion: "1.0.0")
        return PluginOutput(status: 1, stdout: json.serializedBytes, stderr: [])
    }
}

// MARK: - NetworkRunner

@Suite struct NetworkRunnerTests {
    /// A temp dir with a bin/ folder of plugin files, a runner over it, and the recording executor.
    struct Fixture {
        let dir: TemporaryDirectory
        let executor: RecordingExecutor
        let runner: NetworkRunner
        var cacheDir: String { dir.file("cache") }

        init(plugins: [String] = ["bridge", "tuning", "portmap", "bandwidth"],
             ips: [String: String] = [:], failures: [String: PluginOutput] = [:],
             baseEnvironment: [String] = ["PATH=/usr/sbin:/usr/bin"]) {
            dir = TemporaryDirectory("multus-runner")
            let bin = dir.plugins(plugins)
            executor = RecordingExecutor(ips: ips, failures: failures)
            let invoker = PluginInvoker(executor: executor, locator: PluginLocator(directories: [bin]),
                                        baseEnvironment: baseEnvironment)
            runner = NetworkRunner(invoker: invoker, cache: ResultCache(cacheDir: dir.file("cache")))
        }

        func cacheFile(_ net: String, _ containerID: String, _ ifName: String) -> String {
            cacheDir + "/results/\(net)-\(containerID)-\(ifName)"
        }
    }

    static func net(_ text: String) throws -> NetworkConfigList {
        try NetworkConfigList(parsing: Array(text.utf8))
    }

    static func chain(version: String = "1.0.0", name: String = "chain", extra: String = "") throws -> NetworkConfigList {
        try net(#"{"cniVersion":"\#(version)","name":"\#(name)",\#(extra)"plugins":[{"type":"bridge","bridge":"cni0"},{"type":"tuning"}]}"#)
    }

    static let rt = RuntimeConf(containerID: "c0ffee", netns: "/var/run/netns/pod", ifName: "eth0",
                                args: CNIArgs([("IgnoreUnknown", "true"), ("K8S_POD_NAME", "web-0")]))

    private func error(_ body: () throws(CNIError) -> Void) -> CNIError? {
        do { try body(); return nil } catch { return error }
    }

    // ADD

    @Test func addChainsEachPluginsResultAsTheNextPluginsPrevResult() throws {
        let f = Fixture(ips: ["bridge": "10.1.0.5/24", "tuning": "10.2.0.5/24"])
        defer { f.dir.remove() }
        let result = try f.runner.add(try Self.chain(), Self.rt)

        let adds = f.executor.calls("ADD")
        #expect(adds.map(\.type) == ["bridge", "tuning"])
        #expect(adds[0].stdin["prevResult"] == nil)
        let first = RecordingExecutor.result(version: "1.0.0", ifName: "eth0", ip: "10.1.0.5/24")
        #expect(adds[1].stdin["prevResult"] == first)
        // The network's result is the last plugin's.
        #expect(result["ips"]?.arrayValue?.first?["address"] == "10.2.0.5/24")
    }

    @Test func addInjectsTheNetworkNameAndCNIVersionIntoEachPlugin() throws {
        let f = Fixture()
        defer { f.dir.remove() }
        let net = try Self.net(#"""
            {"cniVersion":"0.4.0","name":"chain","plugins":[
              {"type":"bridge","name":"other","cniVersion":"0.3.0","bridge":"cni0"},{"type":"tuning"}]}
            """#)
        _ = try f.runner.add(net, Self.rt)
        let adds = f.executor.calls("ADD")
        #expect(adds.count == 2)
        for call in adds {
            #expect(call.stdin["name"] == "chain")
            #expect(call.stdin["cniVersion"] == "0.4.0")
        }
        #expect(adds[0].stdin["bridge"] == "cni0")
    }

    @Test func runtimeConfigCarriesOnlyCapabilitiesThePluginDeclaresTrue() throws {
        let f = Fixture()
        defer { f.dir.remove() }
        let net = try Self.net(#"""
            {"cniVersion":"1.0.0","name":"caps","plugins":[
              {"type":"bridge","capabilities":{"mac":true}},
              {"type":"portmap","capabilities":{"portMappings":true,"bandwidth":false}},
              {"type":"tuning"}]}
            """#)
        let portMappings: JSONValue = [["hostPort": 8080, "containerPort": 80, "protocol": "tcp"]]
        var rt = Self.rt
        rt.capabilityArgs = JSONObject([("portMappings", portMappings),
                                        ("bandwidth", ["ingressRate": 1000, "egressRate": 1000])])
        _ = try f.runner.add(net, rt)

        let adds = f.executor.calls("ADD")
        #expect(adds.map(\.type) == ["bridge", "portmap", "tuning"])
        // Declares mac, but no mac value was given: nothing applies, so no key at all.
        #expect(adds[0].stdin["runtimeConfig"] == nil)
        #expect(adds[1].stdin["runtimeConfig"] == .object(JSONObject([("portMappings", portMappings)])))
        #expect(adds[2].stdin["runtimeConfig"] == nil)
    }

    @Test func pluginEnvironmentHasEachCNIVariableOnceAndKeepsTheRest() throws {
        let f = Fixture(baseEnvironment: ["PATH=/usr/bin", "CNI_COMMAND=VERSION", "CNI_IFNAME=stale",
                                          "CNI_ARGS=OLD=1", "HOME=/root"])
        defer { f.dir.remove() }
        _ = try f.runner.add(try Self.net(#"{"cniVersion":"1.0.0","name":"n","type":"bridge"}"#), Self.rt)

        let call = try #require(f.executor.calls.first)
        #expect(call.values("CNI_COMMAND") == ["ADD"])
        #expect(call.values("CNI_CONTAINERID") == ["c0ffee"])
        #expect(call.values("CNI_NETNS") == ["/var/run/netns/pod"])
        #expect(call.values("CNI_IFNAME") == ["eth0"])
        #expect(call.values("CNI_ARGS") == ["IgnoreUnknown=true;K8S_POD_NAME=web-0"])
        #expect(call.values("CNI_PATH") == [f.dir.file("bin")])
        #expect(call.values("PATH") == ["/usr/bin"])
        #expect(call.values("HOME") == ["/root"])
        let cniKeys = call.environment.filter { $0.hasPrefix("CNI_") }.map { $0.prefix { $0 != "=" } }
        #expect(Set(cniKeys).count == cniKeys.count)
        #expect(call.path == f.dir.file("bin") + "/bridge")
    }

    // DEL

    @Test(arguments: ["0.4.0", "1.0.0", "1.1.0"])
    func delRunsPluginsInReverseWithTheCachedResultAsPrevResult(_ version: String) throws {
        let f = Fixture()
        defer { f.dir.remove() }
        let net = try Self.chain(version: version)
        let added = try f.runner.add(net, Self.rt)
        try f.runner.del(net, Self.rt)

        let dels = f.executor.calls("DEL")
        #expect(dels.map(\.type) == ["tuning", "bridge"])
        for call in dels {
            #expect(call.stdin["prevResult"] == added)
            #expect(call.stdin["name"] == "chain")
        }
    }

    @Test func delOfA031NetworkSendsNoPrevResult() throws {
        let f = Fixture()
        defer { f.dir.remove() }
        let net = try Self.chain(version: "0.3.1")
        _ = try f.runner.add(net, Self.rt)
        #expect(FileSystem.exists(f.cacheFile("chain", "c0ffee", "eth0")))
        try f.runner.del(net, Self.rt)

        let dels = f.executor.calls("DEL")
        #expect(dels.map(\.type) == ["tuning", "bridge"])
        #expect(dels.allSatisfy { $0.stdin["prevResult"] == nil })
    }

    @Test func delWithoutACachedResultRunsWithoutPrevResult() throws {
        let f = Fixture()
        defer { f.dir.remove() }
        try f.runner.del(try Self.chain(), Self.rt)
        let dels = f.executor.calls("DEL")
        #expect(dels.map(\.type) == ["tuning", "bridge"])
        #expect(dels.allSatisfy { $0.stdin["prevResult"] == nil })
    }

    // results cache

    @Test func addWritesTheLibcniResultsCacheEntry() throws {
        let f = Fixture()
        defer { f.dir.remove() }
        let net = try Self.chain(extra: #""zeta":1.50,"#)
        var rt = Self.rt
        rt.capabilityArgs = JSONObject([("portMappings", [["hostPort": 80, "containerPort": 80]])])
        let result = try f.runner.add(net, rt)

        let path = f.cacheFile("chain", "c0ffee", "eth0")
        #expect(TemporaryDirectory.mode(of: path) == 0o600)
        #expect(TemporaryDirectory.mode(of: f.cacheDir + "/results") == 0o700)
        let bytes = try #require(try FileSystem.read(path))
        let json = try JSONValue(parsing: bytes)
        #expect(json["kind"] == "cniCacheV1")
        #expect(json["containerId"] == "c0ffee")
        #expect(json["ifName"] == "eth0")
        #expect(json["networkName"] == "chain")
        #expect(json["netns"] == "/var/run/netns/pod")
        #expect(json["cniArgs"] == [["IgnoreUnknown", "true"], ["K8S_POD_NAME", "web-0"]])
        #expect(json["capabilityArgs"] == .object(rt.capabilityArgs))
        #expect(json["result"] == result)
        // Go's []byte in JSON: standard base64 of the configuration bytes.
        let encoded = try #require(json["config"]?.stringValue)
        let decoded = try #require(Data(base64Encoded: encoded))
        #expect(Array(decoded) == net.source.serializedBytes)
        #expect(String(decoding: decoded, as: UTF8.self).contains(#""zeta":1.50"#))
        // No temporary files are left next to it.
        #expect(FileSystem.list(f.cacheDir + "/results") == ["chain-c0ffee-eth0"])
    }

    @Test func delRemovesTheResultsCacheEntry() throws {
        let f = Fixture()
        defer { f.dir.remove() }
        let net = try Self.chain()
        _ = try f.runner.add(net, Self.rt)
        #expect(FileSystem.exists(f.cacheFile("chain", "c0ffee", "eth0")))
        try f.runner.del(net, Self.rt)
        #expect(!FileSystem.exists(f.cacheFile("chain", "c0ffee", "eth0")))
        #expect(f.runner.cache.entries(containerID: "c0ffee").isEmpty)
    }

    @Test func failedDelKeepsTheResultsCacheEntryForARetry() throws {
        let f = Fixture(failures: ["bridge/DEL": RecordingExecutor.errorOutput(code: 11, msg: "busy")])
        defer { f.dir.remove() }
        let net = try Self.chain()
        _ = try f.runner.add(net, Self.rt)
        #expect(error { () throws(CNIError) in try f.runner.del(net, Self.rt) }?.code == 11)
        #expect(FileSystem.exists(f.cacheFile("chain", "c0ffee", "eth0")))
    }

    @Test func failedAddWritesNoResultsCacheEntry() throws {
        let f = Fixture(failures: ["tuning/ADD": RecordingExecutor.errorOutput(code: 7, msg: "bad")])
        defer { f.dir.remove() }
        #expect(error { () throws(CNIError) in _ = try f.runner.add(try! Self.chain(), Self.rt) } != nil)
        #expect(!FileSystem.exists(f.cacheFile("chain", "c0ffee", "eth0")))
    }

    @Test func resultsCacheEntriesAreFoundPerContainer() throws {
        let f = Fixture()
        defer { f.dir.remove() }
        _ = try f.runner.add(try Self.chain(name: "a-net"), Self.rt)
        var other = Self.rt
        other.containerID = "beef"
        _ = try f.runner.add(try Self.chain(name: "b-net"), other)
        let mine = f.runner.cache.entries(containerID: "c0ffee")
        #expect(mine.map(\.networkName) == ["a-net"])
        #expect(mine.first?.cniArgs == Self.rt.args)
        #expect(Set(f.runner.cache.entries().map(\.containerID)) == ["c0ffee", "beef"])
    }

    // CHECK

    @Test func checkIsRefusedForA031Network() throws {
        let f = Fixture()
        defer { f.dir.remove() }
        let net = try Self.chain(version: "0.3.1")
        _ = try f.runner.add(net, Self.rt)
        let failure = error { () throws(CNIError) in try f.runner.check(net, Self.rt) }
        #expect(failure?.code == CNIError.incompatibleVersion)
        #expect(f.executor.calls("CHECK").isEmpty)
    }

    @Test func checkIsSkippedWithDisableCheck() throws {
        let f = Fixture()
        defer { f.dir.remove() }
        let net = try Self.chain(extra: #""disableCheck":"true","#)
        try f.runner.check(net, Self.rt)
        #expect(f.executor.calls.isEmpty)
    }

    @Test func checkWithoutACachedResultIsAnError() throws {
        let f = Fixture()
        defer { f.dir.remove() }
        let failure = error { () throws(CNIError) in try f.runner.check(try! Self.chain(), Self.rt) }
        #expect(failure?.code == CNIError.unknownContainer)
        #expect(failure?.msg.contains("no cached result") == true)
        #expect(f.executor.calls.isEmpty)
    }

    @Test func checkRunsEveryPluginInOrderWithTheCachedResult() throws {
        let f = Fixture()
        defer { f.dir.remove() }
        let net = try Self.chain()
        let added = try f.runner.add(net, Self.rt)
        try f.runner.check(net, Self.rt)
        let checks = f.executor.calls("CHECK")
        #expect(checks.map(\.type) == ["bridge", "tuning"])
        #expect(checks.allSatisfy { $0.stdin["prevResult"] == added })
    }

    // STATUS and GC

    @Test(arguments: ["0.4.0", "1.0.0"])
    func statusAndGCAreNoOpsBefore110(_ version: String) throws {
        let f = Fixture()
        defer { f.dir.remove() }
        let net = try Self.chain(version: version)
        try f.runner.status(net)
        try f.runner.gc(net, validAttachments: [["containerID": "c0ffee", "ifname": "eth0"]])
        #expect(f.executor.calls.isEmpty)
    }

    @Test func statusRunsEveryPluginOf110() throws {
        let f = Fixture()
        defer { f.dir.remove() }
        try f.runner.status(try Self.chain(version: "1.1.0"))
        #expect(f.executor.calls.map(\.type) == ["bridge", "tuning"])
        #expect(f.executor.calls.allSatisfy { $0.command == "STATUS" })
    }

    @Test func statusFailureIsReported() throws {
        let f = Fixture(failures: ["bridge/STATUS": RecordingExecutor.errorOutput(code: 50, msg: "not ready")])
        defer { f.dir.remove() }
        let failure = error { () throws(CNIError) in try f.runner.status(try! Self.chain(version: "1.1.0")) }
        #expect(failure?.code == CNIError.statusUnavailable)
    }

    @Test func gcSendsValidAttachmentsUnderBothKeysTo110Plugins() throws {
        let f = Fixture()
        defer { f.dir.remove() }
        let valid: [JSONValue] = [["containerID": "c0ffee", "ifname": "eth0"], ["containerID": "beef", "ifname": "net1"]]
        try f.runner.gc(try Self.chain(version: "1.1.0"), validAttachments: valid)
        let gcs = f.executor.calls("GC")
        #expect(gcs.map(\.type) == ["bridge", "tuning"])
        for call in gcs {
            #expect(call.stdin["cni.dev/valid-attachments"] == .array(valid))
            #expect(call.stdin["cni.dev/attachments"] == .array(valid))
            #expect(call.stdin["name"] == "chain")
        }
    }

    @Test(arguments: [#""disableGC":true,"#, #""disableGC":"true","#])
    func gcIsSkippedWithDisableGC(_ extra: String) throws {
        let f = Fixture()
        defer { f.dir.remove() }
        try f.runner.gc(try Self.chain(version: "1.1.0", extra: extra), validAttachments: [])
        #expect(f.executor.calls.isEmpty)
    }

    // failures

    @Test func pluginErrorObjectIsPassedThroughWithPluginAndNetworkNamed() throws {
        let f = Fixture(failures: ["tuning/ADD": RecordingExecutor.errorOutput(code: 42, msg: "no address left", details: "pool")])
        defer { f.dir.remove() }
        let failure = try #require(error { () throws(CNIError) in _ = try f.runner.add(try! Self.chain(), Self.rt) })
        #expect(failure.code == 42)
        #expect(failure.msg.hasPrefix(#"plugin type="tuning" name="chain""#))
        #expect(failure.msg.hasSuffix("no address left"))
        #expect(failure.details == "pool")
    }

    @Test func pluginStderrBecomesTheMessageWhenStdoutHasNoErrorObject() throws {
        let f = Fixture(failures: ["bridge/ADD": PluginOutput(status: 2, stdout: Array("not json".utf8),
                                                              stderr: Array("failed to create bridge cni0: permission denied\n".utf8))])
        defer { f.dir.remove() }
        let failure = try #require(error { () throws(CNIError) in _ = try f.runner.add(try! Self.chain(), Self.rt) })
        #expect(failure.msg.hasPrefix(#"plugin type="bridge" name="chain""#))
        #expect(failure.msg.contains("failed to create bridge cni0: permission denied"))
        #expect(f.executor.calls("ADD").count == 1)
    }

    @Test func pluginFailingSilentlyIsReportedWithItsExitStatus() throws {
        let f = Fixture(failures: ["bridge/ADD": PluginOutput(status: 3, stdout: [], stderr: [])])
        defer { f.dir.remove() }
        let failure = try #require(error { () throws(CNIError) in _ = try f.runner.add(try! Self.chain(), Self.rt) })
        #expect(failure.msg.contains("exit status 3"))
    }

    @Test func successfulPluginPrintingSomethingOtherThanJSONIsADecodingError() throws {
        let f = Fixture(failures: ["bridge/ADD": PluginOutput(status: 0, stdout: Array("hello".utf8), stderr: [])])
        defer { f.dir.remove() }
        let failure = error { () throws(CNIError) in _ = try f.runner.add(try! Self.chain(), Self.rt) }
        #expect(failure?.code == CNIError.decodingFailure)
    }

    @Test func addWithoutAResultIsAnError() throws {
        let f = Fixture(failures: ["bridge/ADD": PluginOutput(status: 0, stdout: [], stderr: [])])
        defer { f.dir.remove() }
        let failure = error { () throws(CNIError) in _ = try f.runner.add(try! Self.chain(), Self.rt) }
        #expect(failure?.msg.contains("returned no result") == true)
        #expect(f.executor.calls("ADD").map(\.type) == ["bridge"])
    }
}

// MARK: - PluginLocator

@Suite struct PluginLocatorTests {
    private func error(_ body: () throws(CNIError) -> Void) -> CNIError? {
        do { try body(); return nil } catch { return error }
    }

    @Test func binDirIsSearchedBeforeCNIPathDirectories() throws {
        let dir = TemporaryDirectory("multus-locator")
        defer { dir.remove() }
        let bin = dir.plugins(["bridge"], in: "bin")
        let path1 = dir.plugins(["bridge", "macvlan"], in: "path1")
        let path2 = dir.plugins(["macvlan", "ipvlan"], in: "path2")
        let locator = PluginLocator(directories: [bin, path1, path2])
        #expect(try locator.locate(type: "bridge") == bin + "/bridge")
        #expect(try locator.locate(type: "macvlan") == path1 + "/macvlan")
        #expect(try locator.locate(type: "ipvlan") == path2 + "/ipvlan")
    }

    @Test func runnerExecutesTheBinDirCopyOfAPlugin() throws {
        let dir = TemporaryDirectory("multus-locator")
        defer { dir.remove() }
        let bin = dir.plugins(["bridge"], in: "bin")
        let cniPath = dir.plugins(["bridge"], in: "cnipath")
        let executor = RecordingExecutor()
        let invoker = PluginInvoker(executor: executor, locator: PluginLocator(directories: [bin, cniPath]), baseEnvironment: [])
        let runner = NetworkRunner(invoker: invoker, cache: ResultCache(cacheDir: dir.file("cache")))
        _ = try runner.add(try NetworkConfigList(parsing: Array(#"{"cniVersion":"1.0.0","name":"n","type":"bridge"}"#.utf8)),
                           RuntimeConf(containerID: "c1", netns: "/x", ifName: "eth0"))
        #expect(executor.calls.map(\.path) == [bin + "/bridge"])
        #expect(executor.calls.first?.value("CNI_PATH") == "\(bin):\(cniPath)")
    }

    @Test func nonExecutableFilesAndDirectoriesAreSkipped() throws {
        let dir = TemporaryDirectory("multus-locator")
        defer { dir.remove() }
        let first = dir.file("first")
        mkdir(first, 0o755)
        try dir.write("first/bridge", "", mode: 0o644)
        mkdir(first + "/macvlan", 0o755)
        let second = dir.plugins(["bridge", "macvlan"], in: "second")
        let locator = PluginLocator(directories: [first, second])
        #expect(try locator.locate(type: "bridge") == second + "/bridge")
        #expect(try locator.locate(type: "macvlan") == second + "/macvlan")
    }

    @Test(arguments: ["../bridge", "/bin/sh", "a/b", "..", ".", ""])
    func typeThatIsAPathIsInvalidConfig(_ type: String) throws {
        let dir = TemporaryDirectory("multus-locator")
        defer { dir.remove() }
        let bin = dir.plugins(["bridge"], in: "bin")
        // Were the type taken as a path, "sub/../bridge" would resolve to bin/bridge.
        let sub = dir.plugins([], in: "bin/sub")
        let failure = error { () throws(CNIError) in _ = try PluginLocator(directories: [sub, bin]).locate(type: type) }
        #expect(failure?.code == CNIError.invalidNetworkConfig)
    }

    @Test func missingPluginIsInvalidConfigNamingItAndThePath() throws {
        let dir = TemporaryDirectory("multus-locator")
        defer { dir.remove() }
        let bin = dir.plugins(["bridge"], in: "bin")
        let failure = error { () throws(CNIError) in _ = try PluginLocator(directories: [bin, "/nonexistent"]).locate(type: "whereabouts") }
        #expect(failure?.code == CNIError.invalidNetworkConfig)
        #expect(failure?.msg.contains(#""whereabouts""#) == true)
        #expect(failure?.msg.contains(bin) == true)
    }

    @Test func duplicateAndEmptyDirectoriesAreDropped() {
        #expect(PluginLocator(directories: ["/a", "", "/b", "/a"]).directories == ["/a", "/b"])
    }
}
