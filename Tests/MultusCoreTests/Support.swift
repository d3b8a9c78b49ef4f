import CNISpec
import Delegation
import KubeAPI
import Logging
import Synchronization
import SystemSupport
import TestSupport
@testable import MultusCore

/// A sandbox where the interfaces in `existing` exist and default-route changes are recorded.
final class RecordingSandbox: SandboxNetworking {
    let existing: Set<String>
    private let routes = Mutex<[String]>([])

    init(existing: Set<String> = []) { self.existing = existing }

    func checkNamespace(_ path: String) throws(CNIError) {}
    func existingInterfaces(_ names: [String], inNetns path: String) throws(CNIError) -> [String] {
        names.filter(existing.contains)
    }
    func setDefaultRoute(via gateway: String, on ifName: String, inNetns path: String) throws(CNIError) {
        routes.withLock { $0.append("\(gateway)@\(ifName)") }
    }
    var defaultRoutes: [String] { routes.withLock { $0 } }
}

/// A single-plugin network configuration.
func conf(_ name: String, type: String, version: String = "1.0.0") -> String {
    #"{"cniVersion":"\#(version)","name":"\#(name)","type":"\#(type)"}"#
}

func multusConfig(_ text: String) throws -> MultusConfig { try MultusConfig(parsing: Array(text.utf8)) }

let silentLogger = Logger(label: "multus-test") { _ in SwiftLogNoOpLogHandler() }

/// A temp folder with bin/ (empty plugin files), conf/ and cni/, a multus
/// config over them, a recording executor, and invocations per command.
struct CommandFixture {
    let dir: TemporaryDirectory
    let executor: RecordingExecutor
    var config: MultusConfig
    let sandbox: RecordingSandbox
    var cluster: InMemoryCluster?
    var cniDir: String { dir.file("cni") }
    var bin: String { dir.file("bin") }

    init(plugins: [String] = ["plug-a", "plug-b", "plug-c"], confFiles: [String: String] = [:], extraConfig: String = "",
         delegates: [String] = [conf("net-a", type: "plug-a"), conf("net-b", type: "plug-b"), conf("net-c", type: "plug-c")],
         failures: [String: PluginOutput] = [:], cluster: InMemoryCluster? = nil, existingInterfaces: Set<String> = [],
         onRun: (@Sendable (_ cniDir: String, RecordedCall) -> Void)? = nil) throws {
        let dir = TemporaryDirectory("multus-core")
        self.dir = dir
        let cniDir = dir.file("cni")
        executor = RecordingExecutor(failures: failures, onRun: onRun.map { onRun in { @Sendable call in onRun(cniDir, call) } })
        sandbox = RecordingSandbox(existing: existingInterfaces)
        self.cluster = cluster
        let delegatesJSON = delegates.isEmpty ? "" : #""delegates":[\#(delegates.joined(separator: ","))],"#
        do {
            for plugin in plugins { try dir.write("bin/" + plugin, "", mode: 0o755) }
            for (name, text) in confFiles { try dir.write("conf/" + name, text) }
            config = try multusConfig(#"""
                {"name":"multus","cniVersion":"1.0.0","confDir":"\#(dir.file("conf"))","cniDir":"\#(cniDir)",
                 "binDir":"\#(dir.file("bin"))",\#(delegatesJSON)\#(extraConfig)"deviceInfoDir":"\#(dir.file("devinfo"))"}
                """#)
        } catch {
            dir.remove()
            throw error
        }
    }

    static let podArgs = "K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;K8S_POD_UID=uid-1"

    func invocation(_ command: CNICommand, args: String = CommandFixture.podArgs, containerID: String = "c0ffee",
                    ifName: String = "eth0") throws(CNIError) -> Invocation {
        let env = CNIEnvironment(command: command, containerID: containerID, netns: "/var/run/netns/pod", ifName: ifName,
                                 args: try CNIArgs(parsing: args))
        let invoker = PluginInvoker(executor: executor, locator: PluginLocator(directories: [bin]), baseEnvironment: [])
        let runner = NetworkRunner(invoker: invoker, cache: ResultCache(cacheDir: cniDir))
        return Invocation(config: config, env: env, runner: runner, sandbox: sandbox, cluster: cluster, logger: silentLogger,
                          time: FakeTime())
    }

    func add(containerID: String = "c0ffee", args: String = CommandFixture.podArgs) throws(CNIError) -> JSONValue {
        try AddCommand(invocation: invocation(.add, args: args, containerID: containerID)).run()
    }

    func del(containerID: String = "c0ffee", args: String = CommandFixture.podArgs) throws(CNIError) {
        try DelCommand(invocation: invocation(.del, args: args, containerID: containerID)).run()
    }

    var scratch: ScratchCache { ScratchCache(cniDir: cniDir) }
    var scratchFile: String { cniDir + "/c0ffee" }
    var resultsEntries: [CachedResult] { ResultCache(cacheDir: cniDir).entries(containerID: "c0ffee") }

    func cached(_ containerID: String = "c0ffee") -> [CachedAttachment]? {
        let env = CNIEnvironment(command: .del, containerID: containerID, ifName: "eth0")
        let context = GoDelegateFormat.Context(containerID: containerID, ifName: env.ifName, args: CNIArgs(),
                                               runtimeConfig: JSONObject(), deviceInfoFolder: dir.file("devinfo/cni"))
        guard case .found(let list) = scratch.load(containerID: containerID, context: context) else { return nil }
        return list
    }

    func remove() { dir.remove() }
}

/// Runs `body`, returning the CNI error it threw (nil when it succeeded).
func failure(_ body: () throws -> Void) -> CNIError? {
    do { try body(); return nil } catch { return error as? CNIError }
}
