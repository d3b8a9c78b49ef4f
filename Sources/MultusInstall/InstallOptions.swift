import SystemSupport

/// Everything the thin entrypoint is told, with Go Multus's thin_entrypoint
/// defaults. Paths named `…Host` are as the node sees them; the others are as
/// this container sees them (the host's folders mounted under /host).
package struct InstallOptions: Sendable, Equatable {
    /// Where Go's image keeps the binaries; `install_multus` copies from here.
    package static let imageBinDir = "/usr/src/multus-cni/bin"

    /// Where the host's CNI binaries live, in this container.
    package var cniBinDir = "/host/opt/cni/bin"
    /// The binary to copy. nil (not given) is Go's default
    /// `/usr/src/multus-cni/bin/multus` when that exists, else this executable
    /// (outside the image).
    package var multusBinFile: String? = nil
    /// The name the binary gets in `cniBinDir`: the `type` of the generated config.
    package var binaryName = MultusConfigGenerator.pluginType
    package var skipMultusBinaryCopy = false
    /// The host's CNI config folder, in this container.
    package var cniConfDir = "/host/etc/cni/net.d"
    /// "auto" generates the multus config around the primary; anything else is a file to copy.
    package var multusConfFile = "auto"
    /// Where the primary config is looked for (Go's default, not `cniConfDir`).
    package var multusAutoconfigDir = "/host/etc/cni/net.d"
    /// A fixed primary file name in the autoconfig folder instead of the first one.
    package var multusMasterCNIFileName: String? = nil
    /// The kubeconfig path written into the config, as the host sees it.
    package var multusKubeconfigFileHost = "/etc/cni/net.d/multus.d/multus.kubeconfig"
    /// Written as `"cniConf"` into the generated config, as Go does (the plugin
    /// reads `confDir`, so neither Go's plugin nor ours uses it), and created.
    package var multusCNIConfDir = "/host/etc/cni/multus/net.d"
    /// When set, the primary must speak this version (or it is forced with `forceCNIVersion`).
    package var cniVersion: String? = nil
    package var forceCNIVersion = false
    /// Name the multus network after the primary instead of "multus-cni-network".
    package var overrideNetworkName = false
    package var logLevel: String? = nil
    package var logFile: String? = nil
    package var logToStderr = true
    package var namespaceIsolation = false
    package var globalNamespaces: String? = nil
    package var readinessIndicatorFile: String? = nil
    /// `binDir` of the generated config.
    package var additionalBinDir: String? = nil
    /// Write the config once; keep only the kubeconfig and token fresh.
    package var skipConfigWatch = false
    /// On SIGTERM, remove what this installer wrote (never the binary). Off by
    /// default, as Go: a removal on every SIGTERM would leave each rolling
    /// update a window in which new pods get only the primary network.
    package var cleanupConfigOnExit = false
    /// Rename the primary to `<name>.old` once the multus config wraps it.
    package var renameConfFile = false
    package var skipTLSVerify = false
    /// The pod's service account (token, ca.crt), as kubelet mounts it.
    package var serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount"
    /// The API server URL written into the kubeconfig; see `apiServer(environment:)`.
    package var apiServer: String? = nil
    /// How often the watch loop looks at the primary config, the token and the CA.
    package var pollInterval: Duration = .seconds(1)

    package init() {}

    package var isAutoConfig: Bool { multusConfFile == "auto" }
    package var autoconfigDir: String { multusAutoconfigDir }

    /// The binary `start()` copies: the given file, else Go's image path, else this executable.
    package func binarySource(imageHas: (String) -> Bool = FileSystem.exists) -> String {
        if let multusBinFile { return multusBinFile }
        let image = Paths.join(Self.imageBinDir, "multus")
        return imageHas(image) ? image : BinaryInstaller.ownExecutable
    }

    package static let logLevels = ["debug", "error", "panic", "verbose"]

    /// The in-cluster API server, from the variables kubelet gives every pod
    /// (KUBERNETES_SERVICE_PROTOCOL is Multus's optional override of https).
    package static func apiServer(environment: [String: String]) -> String? {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty else { return nil }
        let scheme = environment["KUBERNETES_SERVICE_PROTOCOL"].flatMap { $0.isEmpty ? nil : $0 } ?? "https"
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        guard let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty else {
            return "\(scheme)://\(bracketed)"
        }
        return "\(scheme)://\(bracketed):\(port)"
    }

    /// Problems a person should fix before anything is written.
    package func validate() throws(InstallError) {
        if let level = logLevel, !level.isEmpty, !Self.logLevels.contains(level.lowercased()) {
            throw .invalidOption("Log levels should be one of: debug/verbose/error/panic, did not understand: \"\(level)\"")
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
