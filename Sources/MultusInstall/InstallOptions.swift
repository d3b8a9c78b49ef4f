/// Everything `multus-swift install` is told, with Multus's thin-entrypoint
/// defaults. Paths named `…Host` are as the node sees them; the others are as
/// this container sees them (the host's folders mounted under /host).
public struct InstallOptions: Sendable, Equatable {
    /// Where the host's CNI binaries live, in this container.
    public var cniBinDir = "/host/opt/cni/bin"
    /// The binary to copy; nil copies this very executable.
    public var multusBinFile: String? = nil
    /// The name the binary gets in `cniBinDir`: the `type` of the generated config.
    public var binaryName = MultusConfigGenerator.pluginType
    public var skipMultusBinaryCopy = false
    /// The host's CNI config folder, in this container.
    public var cniConfDir = "/host/etc/cni/net.d"
    /// "auto" generates the multus config around the primary; anything else is a file to copy.
    public var multusConfFile = "auto"
    /// Where the primary config is looked for; nil means `cniConfDir`.
    public var multusAutoconfigDir: String? = nil
    /// A fixed primary file name in the autoconfig folder instead of the first one.
    public var multusMasterCNIFileName: String? = nil
    /// The kubeconfig path written into the config, as the host sees it.
    public var multusKubeconfigFileHost = "/etc/cni/net.d/multus.d/multus.kubeconfig"
    /// `confDir` of the generated config (host path); nil leaves the core's default.
    public var multusCNIConfDir: String? = nil
    /// When set, the primary must speak this version (or it is forced with `forceCNIVersion`).
    public var cniVersion: String? = nil
    public var forceCNIVersion = false
    /// Name the multus network after the primary instead of "multus-cni-network".
    public var overrideNetworkName = false
    public var logLevel: String? = nil
    public var logFile: String? = nil
    public var logToStderr = true
    public var namespaceIsolation = false
    public var globalNamespaces: String? = nil
    public var readinessIndicatorFile: String? = nil
    /// `binDir` of the generated config.
    public var additionalBinDir: String? = nil
    /// Write the config once; keep only the kubeconfig and token fresh.
    public var skipConfigWatch = false
    /// On SIGTERM, remove what this installer wrote (never the binary).
    public var cleanupConfigOnExit = true
    /// Rename the primary to `<name>.old` once the multus config wraps it.
    public var renameConfFile = false
    public var skipTLSVerify = false
    /// The pod's service account (token, ca.crt), as kubelet mounts it.
    public var serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount"
    /// The API server URL written into the kubeconfig; see `apiServer(environment:)`.
    public var apiServer: String? = nil
    /// How often the watch loop looks at the primary config, the token and the CA.
    public var pollInterval: Duration = .seconds(1)

    public init() {}

    public var isAutoConfig: Bool { multusConfFile == "auto" }
    public var autoconfigDir: String { multusAutoconfigDir ?? cniConfDir }

    public static let logLevels = ["debug", "error", "panic", "verbose"]

    /// The in-cluster API server, from the variables kubelet gives every pod
    /// (KUBERNETES_SERVICE_PROTOCOL is Multus's optional override of https).
    public static func apiServer(environment: [String: String]) -> String? {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty else { return nil }
        let scheme = environment["KUBERNETES_SERVICE_PROTOCOL"].flatMap { $0.isEmpty ? nil : $0 } ?? "https"
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        guard let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty else {
            return "\(scheme)://\(bracketed)"
        }
        return "\(scheme)://\(bracketed):\(port)"
    }

    /// Problems a person should fix before anything is written.
    public func validate() throws(InstallError) {
        if let level = logLevel, !level.isEmpty, !Self.logLevels.contains(level.lowercased()) {
            throw .invalidOption("--multus-log-level must be one of debug, verbose, error, panic, not \"\(level)\"")
        }
        if let version = cniVersion, !version.isEmpty, CNIVersionText.parse(version) == nil {
            throw .invalidOption("--cni-version \"\(version)\" is not a CNI version this plugin speaks")
        }
        if forceCNIVersion && (cniVersion ?? "").isEmpty {
            throw .invalidOption("--force-cni-version needs --cni-version")
        }
        if binaryName.isEmpty || binaryName.contains("/") {
            throw .invalidOption("the binary name \"\(binaryName)\" must be a plain file name")
        }
        if multusConfFile.isEmpty {
            throw .invalidOption("--multus-conf-file must be \"auto\" or a file")
        }
    }
}
