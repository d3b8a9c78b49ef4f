import CNISpec
import Logging
import MultusInstall
import SystemSupport

/// `multusConfigFile: auto`, as Go's pkg/server/config: the primary CNI config
/// of multusAutoconfigDir (the first .conf/.conflist by name that is not a
/// multus config, or multusMasterCNI) becomes the clusterNetwork of
/// `<cniConfigDir>/00-multus.conf` (`.conflist` from CNI 1.0.0, as the thin
/// entrypoint writes), type `multus-shim`, name `multus-cni-network`, with the
/// primary's capabilities, daemonSocketDir and the keys the shim and its
/// fallback DEL read. Polled every second: a changed primary rewrites it.
struct ConfigManager: Sendable {
    let config: DaemonConfig
    let logger: Logger
    static let shimType = "multus-shim"

    /// Go's MultusConf keys that reach the generated file (those of the daemon
    /// config that are set), in Go's field order.
    static let passedKeys = ["binDir", "logFile", "logLevel", "logToStderr", "logOptions", "namespaceIsolation",
                             "globalNamespaces", "cniDir", "auxiliaryCNIChainName", "daemonSocketDir"]

    func generate(primary: PrimaryConfig) throws(CNIError) -> ShimConfigFile {
        var version = primary.cniVersion
        if let wanted = config.cniVersion {
            guard let parsed = CNIVersion(wanted), parsed.isSupported else {
                throw .invalidConfig("cniVersion \"\(wanted)\" of the daemon configuration is not a CNI version multus-swift speaks")
            }
            // Go's CheckVersionCompatibility: CHECK needs both at 0.4.0 or later.
            if parsed >= .v0_4_0 && primary.cniVersion < .v0_4_0 && !config.forceCNIVersion {
                throw .invalidConfig("delegate cni version is \(primary.cniVersion) while top level cni version is \(wanted)")
            }
            version = parsed
        }
        var name = MultusConfigGenerator.networkName
        if config.overrideNetworkName {
            guard let own = primary.json["name"]?.stringValue, !own.isEmpty else {
                throw .invalidConfig("the primary CNI Configuration \(primary.path) does not feature the network name")
            }
            name = own
        }
        var capabilities = MultusConfigGenerator.capabilities(of: primary.json)
        for member in config.source["capabilities"]?.objectValue ?? JSONObject() where member.value.boolValue == true {
            capabilities[member.key] = true
        }
        var plugin = JSONObject([("type", .string(Self.shimType))])
        if !capabilities.isEmpty { plugin["capabilities"] = .object(capabilities) }
        plugin["clusterNetwork"] = .string(primary.path)
        for key in Self.passedKeys {
            guard let value = config.source[key], !value.isNull else { continue }
            if value == .bool(false) || value == .string("") { continue }  // Go's omitempty
            plugin[key] = value
        }
        let head: [(String, JSONValue)] = [("cniVersion", .string(version.description)), ("name", .string(name))]
        if version >= .v1_0_0 {
            return ShimConfigFile(fileName: MultusConfigGenerator.conflistName,
                                   json: .object(JSONObject(head + [("plugins", .array([.object(plugin)]))])))
        }
        var conf = JSONObject(head)
        for member in plugin { conf[member.key] = member.value }
        return ShimConfigFile(fileName: MultusConfigGenerator.confName, json: .object(conf))
    }

    /// Writes the file when it differs from what is there; false while no
    /// primary config exists yet.
    @discardableResult
    func reconcile() throws(CNIError) -> Bool {
        let picked: PrimaryConfig?
        do { picked = try PrimaryConfigPicker.pick(directory: config.multusAutoconfigDir, fileName: config.multusMasterCNI) } catch {
            throw .invalidConfig("\(error)")
        }
        guard var primary = picked else { return false }
        if config.forceCNIVersion, let wanted = config.cniVersion, primary.json["cniVersion"]?.stringValue != wanted {
            // Go rewrites the primary's version in place ("only in kind's case").
            primary.json["cniVersion"] = .string(wanted)
            do { try FileSystem.writeAtomically(primary.path, primary.json.serializedBytes, mode: 0o644) } catch {
                throw .io("couldn't update cluster network config: \(error)")
            }
            logger.info("forceCNIVersion: set cniVersion \(wanted) in \(primary.path)")
            if let version = CNIVersion(wanted) { primary.cniVersion = version }
        }
        let generated = try generate(primary: primary)
        let path = Paths.join(config.cniConfigDir, generated.fileName)
        let current = (try? FileSystem.read(path)) ?? nil
        if current != generated.bytes {
            do { try FileSystem.writeAtomically(path, generated.bytes, mode: 0o600) } catch {
                throw .io("failed to persist the multus configuration: \(error)")
            }
            logger.info("\(current == nil ? "wrote" : "rewrote") \(path) around \(primary.path) (cniVersion \(primary.cniVersion))")
        }
        // 00-multus.conf sorts before 00-multus.conflist: the other one must not stay.
        let sibling = Paths.join(config.cniConfigDir, generated.fileName == MultusConfigGenerator.confName
                                 ? MultusConfigGenerator.conflistName : MultusConfigGenerator.confName)
        if FileSystem.exists(sibling) {
            try? FileSystem.remove(sibling)
            logger.info("removed \(sibling), superseded by \(path)")
        }
        return true
    }

    /// Not auto: Go copies the operator's file into cniConfigDir once, under its own name.
    func copyUserConfig() throws(CNIError) {
        let bytes: [UInt8]?
        do { bytes = try FileSystem.read(config.multusConfigFile) } catch {
            throw .io("failed to copy the user provided configuration: \(error)")
        }
        guard let bytes else { throw .io("the user provided configuration \(config.multusConfigFile) does not exist") }
        let target = Paths.join(config.cniConfigDir, Paths.baseName(of: config.multusConfigFile))
        guard target != config.multusConfigFile else { return }
        do { try FileSystem.writeAtomically(target, bytes, mode: 0o600) } catch {
            throw .io("failed to copy the user provided configuration to \(target): \(error)")
        }
        logger.info("copied \(config.multusConfigFile) to \(target)")
    }

    /// The generated files this manager may have written.
    var generatedPaths: [String] {
        [MultusConfigGenerator.confName, MultusConfigGenerator.conflistName].map { Paths.join(config.cniConfigDir, $0) }
    }
}

/// The generated shim configuration and its file name.
struct ShimConfigFile: Sendable, Equatable {
    var fileName: String
    var json: JSONValue
    var bytes: [UInt8] { Array((json.pretty + "\n").utf8) }
}
