import CNISpec
import Delegation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// CNI mode: one request in (environment + stdin), one answer out (stdout +
/// exit status). Every failure becomes a CNI error object.
public enum CNIEntryPoint {
    public struct Outcome: Sendable {
        public var stdout: String
        public var exitStatus: Int32
    }

    public static func run(environment: [String: String], stdin: [UInt8],
                           inspector: any SandboxInspecting) -> Outcome {
        var errorVersion = CNIVersion.latest.description
        do {
            let env = try CNIEnvironment(environment: environment)
            if env.command == .version { return Outcome(stdout: CNIVersion.versionInfo.serialized, exitStatus: 0) }

            // Errors are reported in the caller's version even when the rest is unusable.
            if let json = try? JSONValue(parsing: stdin), let version = json["cniVersion"]?.stringValue,
               CNIVersion(version)?.isSupported == true {
                errorVersion = version
            }
            let config = try MultusConfig(parsing: stdin)
            let logger = MultusLogging.makeLogger(settings: config.log)
            logger.debug("\(env.command.rawValue) container=\(env.containerID) netns=\(env.netns) ifname=\(env.ifName) args=\(env.args.text) config=\(redactedForLog(config.source).serialized)")
            let multus = Multus(config: config, env: env,
                                processEnvironment: environment.map { "\($0.key)=\($0.value)" },
                                inspector: inspector, logger: logger)
            // swift-log evaluates the message only when debug is enabled.
            defer { logger.debug("\(env.command.rawValue) finished for \(env.containerID); peak RSS \(peakRSSKiB()) KiB") }
            switch env.command {
            case .add: return Outcome(stdout: try multus.add().serialized, exitStatus: 0)
            case .del: try multus.del()
            case .check: try multus.check()
            case .status: try multus.status()
            case .gc: try multus.gc()
            case .version: break
            }
            return Outcome(stdout: "", exitStatus: 0)
        } catch {
            return Outcome(stdout: error.json(cniVersion: errorVersion).serialized, exitStatus: 1)
        }
    }
}

/// This process's own peak resident set (plugins not included), for `make bench`.
func peakRSSKiB() -> Int {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return usage.ru_maxrss
}
