import CNISpec
import MultusLogging
import SystemSupport

/// `daemon-config.json`, read as Go Multus reads it: the server's keys
/// (pkg/server ControllerNetConf), the config generator's (pkg/server/config
/// MultusConf), and everything else a multus configuration takes, which the
/// daemon lays over the configuration of every request (Go's
/// overrideCNIConfigWithServerConfig: the whole file, key by key).
struct DaemonConfig: Sendable {
    static let defaultPath = "/etc/cni/net.d/multus.d/daemon-config.json"
    static let defaultSocketDir = "/run/multus/"
    static let defaultCNIConfigDir = "/etc/cni/net.d"
    static let defaultRequestTimeoutSeconds = 90
    static let socketName = "multus.sock"

    /// The file as read: the overrides of every request.
    var source: JSONObject
    var path: String

    // pkg/server ControllerNetConf
    var chrootDir: String?
    var log: LogSettings
    var connectionLimit: Int?
    var metricsPort: Int?
    var socketDir: String
    var perNodeCertificateEnabled: Bool
    /// Go's keys this daemon reads but has nothing for: said in the log at start.
    var unsupported: [String] = []

    // pkg/server/config MultusConf
    var cniVersion: String?
    var cniConfigDir: String
    var multusConfigFile: String
    var multusAutoconfigDir: String
    var multusMasterCNI: String?
    var forceCNIVersion: Bool
    var overrideNetworkName: Bool
    var readinessIndicatorFile: String?
    var daemonSocketDir: String?

    // ours
    /// The API server; without it the in-cluster service account, as Go's daemon.
    var kubeconfig: String?
    /// Instead of an API server, a folder of manifests (local runs).
    var manifestDir: String?
    /// How long one request may take before the shim gets a CNI error.
    var requestTimeout: Duration

    var socketPath: String { Paths.join(socketDir, Self.socketName) }
    var isAutoConfig: Bool { multusConfigFile == "auto" }

    init(path: String, bytes: [UInt8]) throws(CNIError) {
        let json: JSONValue
        do { json = try JSONValue(parsing: bytes) } catch {
            throw .decoding("failed to unmarshall the daemon configuration \(path): \(error)")
        }
        guard case .object(let object) = json else {
            throw .decoding("the daemon configuration \(path) must be a JSON object, not \(json.kindName)")
        }
        self.path = path
        source = object
        let f = JSONFields(object) { .invalidConfig("daemon configuration \(path): \($0)") }
        chrootDir = try f.nonEmptyString("chrootDir")
        // Go's daemon logs to stderr only when logToStderr says so.
        var log = try LogSettings(config: json)
        log.logToStderr = try f.bool("logToStderr") ?? false
        self.log = log
        connectionLimit = try f.int("connectionLimit")
        metricsPort = try f.int("metricsPort")
        socketDir = try f.nonEmptyString("socketDir") ?? Self.defaultSocketDir
        perNodeCertificateEnabled = try f.object("perNodeCertificate")?.bool("enabled") ?? false
        if try f.bool("enablePprof") == true {
            unsupported.append("enablePprof: multus-swift has no pprof endpoints (Go's profiler); /metrics is served on metricsPort")
        }

        cniVersion = try f.nonEmptyString("cniVersion")
        cniConfigDir = try f.nonEmptyString("cniConfigDir") ?? Self.defaultCNIConfigDir
        multusConfigFile = try f.nonEmptyString("multusConfigFile") ?? "auto"
        multusAutoconfigDir = try f.nonEmptyString("multusAutoconfigDir") ?? cniConfigDir
        multusMasterCNI = try f.nonEmptyString("multusMasterCNI")
        forceCNIVersion = try f.bool("forceCNIVersion") ?? false
        overrideNetworkName = try f.bool("overrideNetworkName") ?? false
        readinessIndicatorFile = try f.nonEmptyString("readinessindicatorfile")
        daemonSocketDir = try f.nonEmptyString("daemonSocketDir")

        kubeconfig = try f.nonEmptyString("kubeconfig")
        manifestDir = try f.nonEmptyString("manifestDir")
        let timeout = try f.int("requestTimeoutSeconds") ?? Self.defaultRequestTimeoutSeconds
        requestTimeout = .seconds(timeout)

        if let limit = connectionLimit, limit <= 0 {
            throw .invalidConfig("daemon configuration \(path): connectionLimit must be greater than 0, got \(limit)")
        }
        if let port = metricsPort, !(1...65535).contains(port) {
            throw .invalidConfig("daemon configuration \(path): metricsPort must be a TCP port (1 to 65535), not \(port)")
        }
        guard timeout > 0 else { throw .invalidConfig("daemon configuration \(path): requestTimeoutSeconds must be at least 1, not \(timeout)") }
    }

    static func load(_ path: String) throws(CNIError) -> DaemonConfig {
        let bytes: [UInt8]?
        do { bytes = try FileSystem.read(path, limit: 4 << 20) } catch {
            throw .io("cannot read the daemon configuration: \(error)")
        }
        guard let bytes else { throw .io("the daemon configuration \(path) does not exist") }
        return try DaemonConfig(path: path, bytes: bytes)
    }

    /// A request's configuration with the daemon's keys laid over it. In auto
    /// mode the daemon itself watches the readiness indicator file (and exits
    /// when it goes), so requests do not wait for it, as in Go.
    func overriding(_ requestConfig: JSONValue) throws(CNIError) -> JSONValue {
        guard case .object(var object) = requestConfig else {
            throw .decoding("failed to unmarshall CNI config: the configuration is \(requestConfig.kindName), not an object")
        }
        if isAutoConfig { object["readinessindicatorfile"] = nil }
        for member in source where !(isAutoConfig && member.key == "readinessindicatorfile") {
            object[member.key] = member.value
        }
        return .object(object)
    }
}
