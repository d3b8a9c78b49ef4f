import CNISpec

/// Runs a network (conf or conflist) the way libcni's `*NetworkList` functions
/// do: ADD in order with prevResult, DEL in reverse with the cached result,
/// CHECK/STATUS/GC where the version allows, and the results cache.
package struct NetworkRunner: Sendable {
    package var invoker: PluginInvoker
    package var cache: ResultCache

    package init(invoker: PluginInvoker, cache: ResultCache) {
        self.invoker = invoker
        self.cache = cache
    }

    /// Finds every plugin binary of `net` without running anything, so a missing
    /// or invalid `type` fails before any effect.
    package func locatePlugins(of net: NetworkConfigList) throws(CNIError) {
        for plugin in net.plugins {
            do { _ = try invoker.locator.locate(type: plugin.type) } catch {
                throw error.prefixed("network \"\(net.name)\"")
            }
        }
    }

    package func add(_ net: NetworkConfigList, _ rt: RuntimeConf) throws(CNIError) -> JSONValue {
        var completed = 0
        return try add(net, rt, completedPlugins: &completed)
    }

    /// `completedPlugins` counts the plugins whose ADD succeeded, also when a
    /// later one fails: when it is zero, a failed ADD left nothing of ours behind.
    package func add(_ net: NetworkConfigList, _ rt: RuntimeConf, completedPlugins: inout Int) throws(CNIError) -> JSONValue {
        completedPlugins = 0
        var prevResult: JSONValue? = nil
        for plugin in net.plugins {
            let config = Self.pluginConfig(plugin, of: net, prevResult: prevResult, rt: rt)
            let output = try run(plugin, .add, config, rt, net)
            guard let output else {
                throw .decoding("plugin type=\"\(plugin.type)\" name=\"\(net.name)\" returned no result on ADD")
            }
            // Every result is brought to the network's version, so a chained
            // plugin and the cache see one format (libcni does the same).
            prevResult = try CNIResult.convert(output, from: net.cniVersion, to: net.cniVersion)
            completedPlugins += 1
        }
        guard let result = prevResult else { throw .invalidConfig("network \"\(net.name)\" has no plugins") }
        defer { completedPlugins = net.plugins.count }
        try cache.save(CachedResult(containerID: rt.containerID, networkName: net.name, ifName: rt.ifName,
                                    netns: rt.netns, config: net.source.serializedBytes, cniArgs: rt.args,
                                    capabilityArgs: rt.capabilityArgs, result: result))
        return result
    }

    /// Deletes in reverse order; the cache entry goes only when every plugin succeeded,
    /// so a retried DEL still has its prevResult.
    package func del(_ net: NetworkConfigList, _ rt: RuntimeConf) throws(CNIError) {
        let cached = net.cniVersion >= .v0_4_0 ? cachedResult(net, rt) : nil
        for plugin in net.plugins.reversed() {
            let config = Self.pluginConfig(plugin, of: net, prevResult: cached, rt: rt)
            _ = try run(plugin, .del, config, rt, net)
        }
        try cache.remove(network: net.name, containerID: rt.containerID, ifName: rt.ifName)
    }

    package func check(_ net: NetworkConfigList, _ rt: RuntimeConf) throws(CNIError) {
        guard net.cniVersion >= .v0_4_0 else {
            throw CNIError(code: CNIError.incompatibleVersion,
                           msg: "network \"\(net.name)\": configuration version \(net.cniVersion) does not support the CHECK command")
        }
        if net.disableCheck { return }
        guard let cached = cachedResult(net, rt) else {
            throw CNIError(code: CNIError.unknownContainer,
                           msg: "network \"\(net.name)\": no cached result for container \(rt.containerID) interface \(rt.ifName)")
        }
        for plugin in net.plugins {
            _ = try run(plugin, .check, Self.pluginConfig(plugin, of: net, prevResult: cached, rt: rt), rt, net)
        }
    }

    /// STATUS exists from 1.1.0; older networks are taken to be ready. A
    /// plugin's error comes back exactly as the plugin gave it (codes 50/51
    /// mean something to the runtime), as libcni and Go Multus return it.
    package func status(_ net: NetworkConfigList) throws(CNIError) {
        guard net.cniVersion >= .v1_1_0 else { return }
        let rt = RuntimeConf(containerID: "", netns: "", ifName: "")
        for plugin in net.plugins {
            _ = try invoker.invoke(type: plugin.type, command: .status,
                                   config: Self.pluginConfig(plugin, of: net, prevResult: nil, rt: rt), rt: rt)
        }
    }

    /// Forwards GC with the attachments of this network that are still valid.
    package func gc(_ net: NetworkConfigList, validAttachments: [JSONValue]) throws(CNIError) {
        guard net.cniVersion >= .v1_1_0, !net.disableGC else { return }
        let rt = RuntimeConf(containerID: "", netns: "", ifName: "")
        for plugin in net.plugins {
            var config = Self.pluginConfig(plugin, of: net, prevResult: nil, rt: rt)
            config["cni.dev/valid-attachments"] = .array(validAttachments)
            config["cni.dev/attachments"] = .array(validAttachments)
            _ = try run(plugin, .gc, config, rt, net)
        }
    }

    private func run(_ plugin: PluginConfig, _ command: CNICommand, _ config: JSONValue, _ rt: RuntimeConf,
                     _ net: NetworkConfigList) throws(CNIError) -> JSONValue? {
        do {
            return try invoker.invoke(type: plugin.type, command: command, config: config, rt: rt)
        } catch {
            throw error.prefixed("plugin type=\"\(plugin.type)\" name=\"\(net.name)\" failed (\(command.rawValue.lowercased()))")
        }
    }

    private func cachedResult(_ net: NetworkConfigList, _ rt: RuntimeConf) -> JSONValue? {
        cache.load(network: net.name, containerID: rt.containerID, ifName: rt.ifName)?.result
    }

    /// libcni's buildOneConfig: the plugin's own keys plus the list's name and
    /// version, prevResult, and runtimeConfig for declared capabilities only.
    package static func pluginConfig(_ plugin: PluginConfig, of net: NetworkConfigList, prevResult: JSONValue?,
                                    rt: RuntimeConf) -> JSONValue {
        var object = plugin.object
        object["name"] = .string(net.name)
        object["cniVersion"] = .string(net.cniVersion.description)
        if let prevResult { object["prevResult"] = prevResult }
        var runtimeConfig = JSONObject()
        for capability in plugin.capabilities.sorted() {
            if let value = rt.capabilityArgs[capability] { runtimeConfig[capability] = value }
        }
        if !runtimeConfig.isEmpty { object["runtimeConfig"] = .object(runtimeConfig) }
        return .object(object)
    }
}
