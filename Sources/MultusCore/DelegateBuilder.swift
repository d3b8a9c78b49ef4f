import CNISpec
import KubeAPI

/// A network ready to be attached: its configuration, the name network-status
/// gives it, and the device resource its NAD draws from.
package struct Delegate: Sendable, Equatable {
    package var network: NetworkConfigList
    package var statusName: String
    package var resourceName: String?
}

/// Turns fetched network sources into delegate configurations. Pure: JSON in,
/// JSON out, exactly as Go Multus transforms them (a NAD without `name` gets
/// the NAD's; a conflist from disk gets its subdirectory's plugins; the
/// selection's `cni-args` are merged into every plugin's `args.cni`).
package enum DelegateBuilder {
    package static func delegate(from source: NetworkSource, selection: NetworkSelection? = nil) throws(CNIError) -> Delegate {
        var delegate: Delegate
        switch source {
        case .inline(let json, let field):
            do { delegate = Delegate(network: try NetworkConfigList(json: json), statusName: "", resourceName: nil) } catch {
                throw error.prefixed(field)
            }
        case .file(let file, let field):
            do { delegate = Delegate(network: try network(from: file), statusName: "", resourceName: nil) } catch {
                throw error.prefixed("\(field): \(file.path)")
            }
        case .nad(let nad, let confDirFile):
            delegate = try nadDelegate(nad, confDirFile: confDirFile)
        }
        if delegate.statusName.isEmpty { delegate.statusName = delegate.network.name }
        if let args = selection?.cniArgs { delegate.network = try delegate.network.mergingCNIArgs(args) }
        return delegate
    }

    /// A config file, with the plugins libcni loads from its subdirectory appended.
    static func network(from file: ConfigFile) throws(CNIError) -> NetworkConfigList {
        guard !file.chainedPlugins.isEmpty else { return try NetworkConfigList(json: file.json) }
        var json = file.json
        json["plugins"] = .array((json["plugins"]?.arrayValue ?? []) + file.chainedPlugins)
        return try NetworkConfigList(json: json)
    }

    /// `spec.config`, or the confDir file named like the NAD when it is empty.
    static func nadDelegate(_ nad: NetworkAttachmentDefinition, confDirFile: ConfigFile?) throws(CNIError) -> Delegate {
        let key = "\(nad.metadata.namespace)/\(nad.metadata.name)"
        if nad.config.trimmingSpace.isEmpty {
            guard let confDirFile else {
                throw .invalidConfig("NetworkAttachmentDefinition \(key) has no spec.config and no network named \"\(nad.metadata.name)\" is in confDir")
            }
            do { return Delegate(network: try network(from: confDirFile), statusName: key, resourceName: nad.resourceName) } catch {
                throw error.prefixed("NetworkAttachmentDefinition \(key): \(confDirFile.path)")
            }
        }
        let json: JSONValue
        do { json = try JSONValue(parsing: nad.config) } catch {
            throw .decoding("NetworkAttachmentDefinition \(key): spec.config is not valid JSON: \(error)")
        }
        do {
            var network = try NetworkConfigList(json: json, nameRequired: false)
            if network.name.isEmpty { network.rename(nad.metadata.name) }
            try Validation.networkName(network.name)
            return Delegate(network: network, statusName: key, resourceName: nad.resourceName)
        } catch {
            throw error.prefixed("NetworkAttachmentDefinition \(key)")
        }
    }
}

extension NetworkConfigList {
    /// The selection's `cni-args` merged into every plugin's `args.cni`: the
    /// selection's keys win, keys the configuration already had stay.
    func mergingCNIArgs(_ args: JSONObject) throws(CNIError) -> NetworkConfigList {
        try mappingPlugins { plugin in
            var pluginArgs = plugin["args"]?.objectValue ?? JSONObject()
            var cni = pluginArgs["cni"]?.objectValue ?? JSONObject()
            for member in args { cni[member.key] = member.value }
            pluginArgs["cni"] = .object(cni)
            plugin["args"] = .object(pluginArgs)
        }
    }

    /// `deviceID` and `pciBusID` in every plugin (Go's delegateAddDeviceID /
    /// addDeviceIDInConfList; host-device reads pciBusID).
    func withDeviceID(_ id: String) throws(CNIError) -> NetworkConfigList {
        try mappingPlugins { plugin in
            plugin["deviceID"] = .string(id)
            plugin["pciBusID"] = .string(id)
        }
    }

    /// The same network with `change` applied to every plugin's configuration:
    /// the conf itself, or each element of a conflist's `plugins`.
    func mappingPlugins(_ change: (inout JSONValue) -> Void) throws(CNIError) -> NetworkConfigList {
        func apply(_ plugin: JSONValue) -> JSONValue {
            var plugin = plugin
            change(&plugin)
            return plugin
        }
        var source = self.source
        if isConflist {
            source["plugins"] = .array((source["plugins"]?.arrayValue ?? []).map(apply))
        } else {
            source = apply(source)
        }
        return try NetworkConfigList(json: source)
    }
}
