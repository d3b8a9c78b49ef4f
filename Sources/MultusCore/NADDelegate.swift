import CNISpec
import KubeAPI

extension Delegate {
    /// A NetworkAttachmentDefinition as a delegate: `spec.config`, or the confDir
    /// file named like the NAD when the config is empty; the NAD's name when the
    /// config has none. Shown in network-status as `<namespace>/<name>`.
    static func fromNAD(_ nad: NetworkAttachmentDefinition, confDir: DelegateResolver) throws(CNIError) -> Delegate {
        let key = "\(nad.metadata.namespace)/\(nad.metadata.name)"
        if nad.config.trimmingSpace.isEmpty {
            guard let fromFile = try confDir.findByName(nad.metadata.name) else {
                throw .invalidConfig("NetworkAttachmentDefinition \(key) has no spec.config and no network named \"\(nad.metadata.name)\" is in \(confDir.confDir)")
            }
            return Delegate(network: fromFile.network, statusName: key)
        }
        let json: JSONValue
        do { json = try JSONValue(parsing: nad.config) } catch {
            throw .decoding("NetworkAttachmentDefinition \(key): spec.config is not valid JSON: \(error)")
        }
        do {
            var network = try NetworkConfigList(json: json, nameRequired: false)
            if network.name.isEmpty { network.rename(nad.metadata.name) }
            try Validation.networkName(network.name)
            return Delegate(network: network, statusName: key)
        } catch {
            throw error.prefixed("NetworkAttachmentDefinition \(key)")
        }
    }
}

extension NetworkConfigList {
    /// The same network with `args.cni` set in every plugin (the selection's
    /// `cni-args`), as Multus does for confs and conflists alike.
    func withCNIArgs(_ args: JSONObject) throws(CNIError) -> NetworkConfigList {
        try mappingPlugins { plugin in
            var pluginArgs = plugin["args"]?.objectValue ?? JSONObject()
            pluginArgs["cni"] = .object(args)
            plugin["args"] = .object(pluginArgs)
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
