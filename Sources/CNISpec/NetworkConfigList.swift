/// One plugin's configuration inside a network (a conf, or an element of a
/// conflist's `plugins`). Unknown keys are kept as they came.
package struct PluginConfig: Sendable, Equatable {
    package var type: String
    package var object: JSONObject

    package init(object: JSONObject, field: String) throws(CNIError) {
        guard let type = object["type"]?.stringValue, !type.isEmpty else {
            throw .invalidConfig("missing \(field).type: every plugin needs a \"type\"")
        }
        self.type = type
        self.object = object
    }

    /// Capabilities the plugin declares true; runtimeConfig carries only these.
    package var capabilities: Set<String> {
        Set((object["capabilities"]?.objectValue ?? JSONObject()).compactMap { $0.value.boolValue == true ? $0.key : nil })
    }
}

/// A network as libcni runs it: a conflist, or a single conf treated as a list
/// of one. `source` is the configuration exactly as given, for the results cache.
package struct NetworkConfigList: Sendable, Equatable {
    package var name: String
    package var cniVersion: CNIVersion
    package var disableCheck: Bool
    package var disableGC: Bool
    package var plugins: [PluginConfig]
    package var source: JSONValue
    package var isConflist: Bool

    /// Parses a conf (has `type`) or conflist (has `plugins`). `nameRequired` is false
    /// where a caller fills the name in afterwards (a NAD config without one).
    package init(json: JSONValue, nameRequired: Bool = true) throws(CNIError) {
        guard case .object(let object) = json else {
            throw .decoding("network configuration must be a JSON object, not \(json.kindName)")
        }
        source = json
        name = try Self.string(object, "name") ?? ""
        if nameRequired { try Validation.networkName(name) }
        cniVersion = try Self.pickVersion(object)
        disableCheck = try Self.flag(object, "disableCheck")
        disableGC = try Self.flag(object, "disableGC")

        if let plugins = object["plugins"] {
            isConflist = true
            guard case .array(let elements) = plugins else {
                throw .invalidConfig("\"plugins\" must be an array, not \(plugins.kindName)")
            }
            guard !elements.isEmpty else { throw .invalidConfig("network \"\(name)\": \"plugins\" is empty") }
            self.plugins = []
            for (i, element) in elements.enumerated() {
                guard case .object(let plugin) = element else {
                    throw .invalidConfig("plugins[\(i)] must be an object, not \(element.kindName)")
                }
                self.plugins.append(try PluginConfig(object: plugin, field: "plugins[\(i)]"))
            }
        } else {
            isConflist = false
            plugins = [try PluginConfig(object: object, field: "config")]
        }
    }

    package init(parsing bytes: some Collection<UInt8>) throws(CNIError) {
        let json: JSONValue
        do { json = try JSONValue(parsing: bytes) } catch {
            throw .decoding("error parsing network configuration: \(error)")
        }
        try self.init(json: json)
    }

    /// Changes the name in both the model and the source (a NAD without `name`).
    package mutating func rename(_ newName: String) {
        name = newName
        source["name"] = .string(newName)
    }

    /// `cniVersions` (libcni ≥1.2) wins when present: the highest version we speak.
    private static func pickVersion(_ object: JSONObject) throws(CNIError) -> CNIVersion {
        if let versions = object["cniVersions"] {
            guard case .array(let list) = versions else { throw .invalidConfig("\"cniVersions\" must be an array") }
            let parsed = list.compactMap { $0.stringValue.flatMap(CNIVersion.init) }.filter(\.isSupported)
            guard let best = parsed.max() else {
                throw CNIError(code: CNIError.incompatibleVersion,
                               msg: "none of cniVersions \(versions.serialized) is supported")
            }
            return best
        }
        guard let text = try string(object, "cniVersion") else {
            // libcni assumes 0.1.0 when a conf names no version.
            return .v0_1_0
        }
        return try CNIVersion.parseSupported(text)
    }

    static func string(_ object: JSONObject, _ key: String) throws(CNIError) -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let s = value.stringValue else { throw .invalidConfig("\"\(key)\" must be a string, not \(value.kindName)") }
        return s
    }

    /// libcni accepts true/false and the strings "true"/"false" for these flags.
    static func flag(_ object: JSONObject, _ key: String) throws(CNIError) -> Bool {
        switch object[key] {
        case nil, .null?: return false
        case .bool(let b)?: return b
        case .string(let s)? where s.lowercased() == "true" || s.lowercased() == "false": return s.lowercased() == "true"
        case let other?: throw .invalidConfig("\"\(key)\" must be a boolean, not \(other.serialized)")
        }
    }
}
