import CNISpec

/// The multus config written in front of the primary, and its file name.
package struct GeneratedConfig: Sendable, Equatable {
    /// `00-multus.conf`, or `00-multus.conflist` from CNI 1.0.0 on.
    package var fileName: String
    package var json: JSONValue
    /// Things the operator should know about this config, one line each.
    package var warnings: [String] = []
    /// What goes on disk: the JSON, indented for people, and a newline.
    package var bytes: [UInt8] { Array((json.pretty + "\n").utf8) }
}

/// Builds the multus config as Go Multus's thin entrypoint does, key for key
/// and in its order: name "multus-cni-network", type "multus" (the binary
/// installed under Go's name serves it, and so does Go's after a rollback), the
/// primary's version, its capabilities, the options, and the primary inline as
/// the only delegate. The primary is kept byte-exact in values and member order
/// (Go re-encodes it with sorted keys); capabilities are the union of those
/// declared true (Go copies false ones too, and the last plugin wins).
package enum MultusConfigGenerator {
    package static let networkName = "multus-cni-network"
    package static let pluginType = "multus"
    package static let confName = "00-multus.conf"
    package static let conflistName = "00-multus.conflist"

    package static func generate(primary: PrimaryConfig, options: InstallOptions) throws(InstallError) -> GeneratedConfig {
        var delegate = primary.json
        var version = primary.cniVersion
        if let wanted = options.cniVersion, !wanted.isEmpty {
            guard let forced = CNIVersionText.parse(wanted) else {
                throw .invalidOption("--cni-version \"\(wanted)\" is not a CNI version this plugin speaks")
            }
            if options.forceCNIVersion {
                version = forced
                delegate["cniVersion"] = .string(wanted)
            } else if forced != primary.cniVersion {
                throw .primaryConfig("--cni-version is \(forced) but the primary CNI config \(primary.path) has cniVersion \(primary.cniVersion)")
            }
        }

        var name = networkName
        if options.overrideNetworkName {
            guard let primaryName = primary.json["name"]?.stringValue, !primaryName.isEmpty else {
                throw .primaryConfig("--override-network-name: the primary CNI config \(primary.path) has no \"name\"")
            }
            name = primaryName
        }

        var plugin = JSONObject([("type", .string(pluginType))])
        let capabilities = capabilities(of: primary.json)
        if !capabilities.isEmpty { plugin["capabilities"] = .object(capabilities) }
        if options.namespaceIsolation { plugin["namespaceIsolation"] = true }
        if let namespaces = nonEmpty(options.globalNamespaces) { plugin["globalNamespaces"] = .string(namespaces) }
        if !options.logToStderr { plugin["logToStderr"] = false }
        if let level = nonEmpty(options.logLevel) { plugin["logLevel"] = .string(level.lowercased()) }
        if let file = nonEmpty(options.logFile) { plugin["logFile"] = .string(file) }
        if let binDir = nonEmpty(options.additionalBinDir) { plugin["binDir"] = .string(binDir) }
        // Go writes the key "cniConf" (its plugin reads "confDir", so it has no effect): the same here.
        if let confDir = nonEmpty(options.multusCNIConfDir) { plugin["cniConf"] = .string(confDir) }
        if let file = nonEmpty(options.readinessIndicatorFile) { plugin["readinessindicatorfile"] = .string(file) }
        plugin["kubeconfig"] = .string(options.multusKubeconfigFileHost)
        plugin["delegates"] = .array([delegate])

        let head: [(String, JSONValue)] = [("cniVersion", .string(version.description)), ("name", .string(name))]
        let warnings = version >= .v1_1_0 ? [cniVersion110Warning(primary: primary.path)] : []
        if version >= .v1_0_0 {
            // A conflist of one: CNI 1.0 runtimes no longer take a bare conf.
            let list = JSONObject(head + [("plugins", .array([.object(plugin)]))])
            return GeneratedConfig(fileName: conflistName, json: .object(list), warnings: warnings)
        }
        var conf = JSONObject(head)
        for member in plugin { conf[member.key] = member.value }
        return GeneratedConfig(fileName: confName, json: .object(conf), warnings: warnings)
    }

    /// Runtimes built with libcni before 1.2 (containerd 1.6, for one) cannot
    /// parse a 1.1.0 result: every pod fails with an error that blames the plugin.
    static func cniVersion110Warning(primary: String) -> String {
        "the multus config has cniVersion 1.1.0 (from \(primary)): container runtimes whose libcni is older than 1.2, "
            + "containerd 1.6 among them, cannot parse a 1.1.0 result and fail every pod; on such a node give the "
            + "primary config cniVersion 1.0.0, or pass --cni-version=1.0.0 --force-cni-version"
    }

    /// Every capability a plugin of the primary declares true, first-seen order:
    /// the runtime only passes runtimeConfig for capabilities the multus config
    /// declares, and the delegate can only receive what multus received.
    package static func capabilities(of primary: JSONValue) -> JSONObject {
        let plugins = primary["plugins"]?.arrayValue ?? [primary]
        var union = JSONObject()
        for plugin in plugins {
            for member in plugin["capabilities"]?.objectValue ?? JSONObject() where member.value.boolValue == true {
                union[member.key] = true
            }
        }
        return union
    }

    private static func nonEmpty(_ s: String?) -> String? {
        guard let s, !s.isEmpty else { return nil }
        return s
    }
}
