import CNISpec
import Delegation
import SystemSupport

/// A network configuration read from disk: the file, its JSON, and for a
/// conflist the plugins of its subdirectory `<folder>/<name>/*.conf`, which
/// libcni v1.3 appends (unless `loadOnlyInlinedPlugins`).
package struct ConfigFile: Sendable, Equatable {
    package var path: String
    package var json: JSONValue
    package var chainedPlugins: [JSONValue]

    package init(path: String, json: JSONValue, chainedPlugins: [JSONValue] = []) {
        self.path = path
        self.json = json
        self.chainedPlugins = chainedPlugins
    }
}

/// Reading network configurations from disk, as Go Multus and libcni do.
package enum ConfigFiles {
    static let extensions = [".conf", ".json", ".conflist"]
    static let maximumBytes = 1 << 20

    /// A path: a folder means its first config file in name order; else the file.
    package static func load(path: String, field: String) throws(CNIError) -> ConfigFile {
        if FileSystem.isDirectory(path) {
            guard let first = configFileNames(in: path).first else {
                throw .invalidConfig("\(field): no .conf, .json or .conflist file in \(path)")
            }
            return try read(Paths.join(path, first), field: field)
        }
        guard FileSystem.exists(path) else { throw .invalidConfig("\(field): \(path) does not exist") }
        return try read(path, field: field)
    }

    /// The first config file in `folder` (name order) whose `name` is `name`.
    /// As in Go, a file that cannot be read or parsed on the way fails the lookup.
    package static func find(name: String, in folder: String) throws(CNIError) -> ConfigFile? {
        for file in configFileNames(in: folder) {
            let loaded = try read(Paths.join(folder, file), field: "confDir")
            if loaded.json["name"]?.stringValue == name { return loaded }
        }
        return nil
    }

    static func configFileNames(in folder: String) -> [String] {
        FileSystem.list(folder).filter { name in
            extensions.contains { name.hasSuffix($0) } && !FileSystem.isDirectory(Paths.join(folder, name))
        }
    }

    static func read(_ path: String, field: String) throws(CNIError) -> ConfigFile {
        let bytes: [UInt8]?
        do { bytes = try FileSystem.read(path, limit: maximumBytes) } catch { throw error.cniError.prefixed(field) }
        guard let bytes else { throw .invalidConfig("\(field): \(path) does not exist") }
        let json: JSONValue
        do { json = try JSONValue(parsing: bytes) } catch {
            throw .decoding("\(field): error loading CNI config file \(path): \(error)")
        }
        guard json.objectValue != nil else {
            throw .decoding("\(field): CNI config file \(path) must be a JSON object, not \(json.kindName)")
        }
        let isConflist = json["plugins"] != nil || path.hasSuffix(".conflist")
        let inlinedOnly = json["loadOnlyInlinedPlugins"]?.boolValue == true
            || json["loadOnlyInlinedPlugins"]?.stringValue?.lowercased() == "true"
        guard isConflist && !inlinedOnly, let name = json["name"]?.stringValue else { return ConfigFile(path: path, json: json) }
        return ConfigFile(path: path, json: json, chainedPlugins: try chainedPlugins(of: name, in: Paths.directory(of: path)))
    }

    /// libcni's NetworkPluginConfsFromFiles: `<folder>/<network>/*.conf` in name
    /// order, each a plugin configuration with a `type`.
    package static func chainedPlugins(of network: String, in folder: String) throws(CNIError) -> [JSONValue] {
        guard Validation.isIdentifier(network) else { throw .invalidConfig("invalid network config name: \(network)") }
        let sub = Paths.join(folder, network)
        guard FileSystem.isDirectory(sub) else { return [] }
        var plugins: [JSONValue] = []
        for file in FileSystem.list(sub) where file.hasSuffix(".conf") && !FileSystem.isDirectory(Paths.join(sub, file)) {
            let path = Paths.join(sub, file)
            let bytes: [UInt8]?
            do { bytes = try FileSystem.read(path, limit: maximumBytes) } catch { throw error.cniError }
            guard let bytes else { continue }
            guard let plugin = try? JSONValue(parsing: bytes), plugin.objectValue != nil else {
                throw .decoding("error parsing plugin configuration \(path)")
            }
            guard plugin["type"]?.stringValue?.isEmpty == false else {
                throw .invalidConfig("error parsing plugin configuration \(path): missing 'type'")
            }
            plugins.append(plugin)
        }
        return plugins
    }
}
