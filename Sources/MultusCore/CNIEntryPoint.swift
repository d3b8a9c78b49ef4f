import CNISpec
import Delegation
import KubeAPI
import Logging
import MultusLogging
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// CNI mode: one request in (environment + stdin), one answer out (stdout +
/// exit status). Every failure becomes a CNI error object.
package enum CNIEntryPoint {
    package struct Outcome: Sendable, Equatable {
        package var stdout: String
        package var exitStatus: Int32

        package init(stdout: String, exitStatus: Int32) {
            self.stdout = stdout
            self.exitStatus = exitStatus
        }
    }

    /// The parts a call acts through; the daemon and tests bring their own.
    package struct Services: Sendable {
        package var sandbox: any SandboxNetworking
        package var executor: any PluginExecuting
        /// The cluster for a configuration (the API server, a manifest folder, a watch cache).
        package var cluster: @Sendable (MultusConfig) -> (any ClusterState)?
        /// The logger for a configuration; the daemon shares one per log file
        /// among its concurrent requests instead of one per call.
        package var logger: @Sendable (MultusConfig) -> Logger

        package init(sandbox: any SandboxNetworking = NetlinkSandbox(), executor: any PluginExecuting = ProcessPluginExecutor(),
                     cluster: @escaping @Sendable (MultusConfig) -> (any ClusterState)? = CNIEntryPoint.clusterState(for:),
                     logger: @escaping @Sendable (MultusConfig) -> Logger = { MultusLogging.makeLogger(settings: $0.log) }) {
            self.sandbox = sandbox
            self.executor = executor
            self.cluster = cluster
            self.logger = logger
        }
    }

    /// The most configuration we read from stdin; a multus config with every
    /// delegate inline is a few KiB.
    package static let maximumConfigBytes = 16 << 20

    /// stdin is always read first, as libcni's skel does (a runtime writing the
    /// config must never meet a closed pipe); VERSION answers whatever it holds.
    package static func run(environment: ProcessEnvironment, services: Services = Services(),
                            stdin: () throws(SystemError) -> [UInt8] = {
                                try ProcessEnvironment.readStandardInput(limit: maximumConfigBytes)
                            }) -> Outcome {
        var errorVersion = CNIVersion.latest.description
        let read = Result { () throws(SystemError) in try stdin() }
        do throws(CNIError) {
            let env = try CNIEnvironment { environment[$0] }
            if env.command == .version { return Outcome(stdout: CNIVersion.versionInfo.serialized, exitStatus: 0) }
            let input: [UInt8]
            do { input = try read.get() } catch {
                throw CNIError.io("cannot read the multus configuration from stdin: \(error.reason)")
            }
            let json: JSONValue
            do { json = try JSONValue(parsing: input) } catch {
                throw CNIError.decoding("error parsing multus configuration: \(error)")
            }
            // Errors are reported in the caller's version even when the rest is unusable.
            if let version = json["cniVersion"]?.stringValue, CNIVersion(version)?.isSupported == true {
                errorVersion = version
            }
            let config = try MultusConfig(json: json)
            let logger = services.logger(config)
            let cluster = services.cluster(config)
            defer { cluster?.shutdown() }
            let invocation = Invocation(
                config: config, env: env,
                runner: Invocation.runner(config: config, env: env, processEnvironment: environment.entries,
                                          executor: services.executor),
                sandbox: services.sandbox, cluster: cluster, logger: logger)
            // swift-log evaluates the message only when debug is enabled.
            logger.debug("\(env.command.rawValue) container=\(env.containerID) netns=\(env.netns) ifname=\(env.ifName) args=\(env.args.text) config=\(redactedForLog(config.source).serialized)")
            defer { logger.debug("\(env.command.rawValue) finished for \(env.containerID); peak RSS \(peakRSSKiB()) KiB") }
            do throws(CNIError) {
                return Outcome(stdout: try run(env.command, invocation), exitStatus: 0)
            } catch {
                MultusLogging.logFailure("\(env.command.rawValue) of container \(env.containerID) failed: \(error.description)",
                                         settings: config.log, logger: logger)
                throw error
            }
        } catch {
            return Outcome(stdout: error.json(cniVersion: errorVersion).serialized, exitStatus: 1)
        }
    }

    static func run(_ command: CNICommand, _ invocation: Invocation) throws(CNIError) -> String {
        switch command {
        case .add: return try AddCommand(invocation: invocation).run().serialized
        case .del: try DelCommand(invocation: invocation).run()
        case .check: try CheckCommand(invocation: invocation).run()
        case .status: try StatusCommand(invocation: invocation).run()
        case .gc: try GCCommand(invocation: invocation).run()
        case .version: break
        }
        return ""
    }

    /// The API server (kubeconfig) or a manifest folder; connected on first use.
    package static func clusterState(for config: MultusConfig) -> (any ClusterState)? {
        if let kubeconfig = config.kubeconfig {
            return LazyClusterState { () throws(KubeError) -> any ClusterState in
                try APIServerClusterState.connect(kubeconfigPath: kubeconfig)
            }
        }
        if let dir = config.manifestDir { return ManifestDirectoryClusterState(directory: dir) }
        return nil
    }
}

/// This process's own peak resident set (plugins not included), for `make bench`.
func peakRSSKiB() -> Int {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return usage.ru_maxrss
}
