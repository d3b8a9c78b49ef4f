import CNISpec
import Delegation
import KubeAPI
import MultusLogging
import Logging
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// CNI mode: one request in (environment + stdin), one answer out (stdout +
/// exit status). Every failure becomes a CNI error object.
package enum CNIEntryPoint {
    package struct Outcome: Sendable {
        package var stdout: String
        package var exitStatus: Int32
    }

    /// The most configuration we read from stdin; a multus config with every
    /// delegate inline is a few KiB.
    package static let maximumConfigBytes = 16 << 20

    /// `stdin` is read only when the command needs a configuration (VERSION
    /// answers whatever stdin holds).
    package static func run(environment: ProcessEnvironment, sandbox: any SandboxNetworking,
                            stdin: () throws(SystemError) -> [UInt8] = {
                                try ProcessEnvironment.readStandardInput(limit: maximumConfigBytes)
                            }) -> Outcome {
        var errorVersion = CNIVersion.latest.description
        do throws(CNIError) {
            let env = try CNIEnvironment(environment: environment.values)
            if env.command == .version { return Outcome(stdout: CNIVersion.versionInfo.serialized, exitStatus: 0) }

            let input: [UInt8]
            do { input = try stdin() } catch {
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
            let logger = MultusLogging.makeLogger(settings: config.log)
            logger.debug("\(env.command.rawValue) container=\(env.containerID) netns=\(env.netns) ifname=\(env.ifName) args=\(env.args.text) config=\(redactedForLog(config.source).serialized)")
            let cluster = clusterState(for: config)
            let multus = Multus(config: config, env: env, processEnvironment: environment.entries,
                                sandbox: sandbox, cluster: cluster, logger: logger)
            // swift-log evaluates the message only when debug is enabled.
            defer { logger.debug("\(env.command.rawValue) finished for \(env.containerID); peak RSS \(peakRSSKiB()) KiB") }
            let stdout: String
            do throws(CNIError) {
                switch env.command {
                case .add: stdout = try multus.add().serialized
                case .del: try multus.del(); stdout = ""
                case .check: try multus.check(); stdout = ""
                case .status: try multus.status(); stdout = ""
                case .gc: try multus.gc(); stdout = ""
                case .version: stdout = ""
                }
            } catch {
                cluster?.shutdown()
                throw error
            }
            cluster?.shutdown()
            return Outcome(stdout: stdout, exitStatus: 0)
        } catch {
            return Outcome(stdout: error.json(cniVersion: errorVersion).serialized, exitStatus: 1)
        }
    }

    /// The API server (kubeconfig) or a manifest folder; connected on first use.
    static func clusterState(for config: MultusConfig) -> (any ClusterState)? {
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
