import CNISpec
import SystemSupport

/// One file of the libcni results cache, in libcni's own format, so tools that
/// read libcni caches (and a later libcni-based runtime) understand ours.
package struct CachedResult: Sendable, Equatable {
    package var containerID: String
    package var networkName: String
    package var ifName: String
    package var netns: String
    /// The network configuration bytes the attachment was made with.
    package var config: [UInt8]
    package var cniArgs: CNIArgs
    package var capabilityArgs: JSONObject
    package var result: JSONValue?

    package init(containerID: String, networkName: String, ifName: String, netns: String, config: [UInt8],
                cniArgs: CNIArgs, capabilityArgs: JSONObject, result: JSONValue?) {
        self.containerID = containerID
        self.networkName = networkName
        self.ifName = ifName
        self.netns = netns
        self.config = config
        self.cniArgs = cniArgs
        self.capabilityArgs = capabilityArgs
        self.result = result
    }

    var json: JSONValue {
        var object = JSONObject([
            ("kind", "cniCacheV1"),
            ("containerId", .string(containerID)),
            ("config", .string(Base64.encode(config))),
            ("ifName", .string(ifName)),
            ("networkName", .string(networkName)),
            ("netns", .string(netns)),
            ("cniArgs", cniArgs.json),
        ])
        if !capabilityArgs.isEmpty { object["capabilityArgs"] = .object(capabilityArgs) }
        if let result { object["result"] = result }
        return .object(object)
    }

    init?(json: JSONValue) {
        guard json["kind"]?.stringValue == "cniCacheV1",
              let containerID = json["containerId"]?.stringValue,
              let networkName = json["networkName"]?.stringValue,
              let ifName = json["ifName"]?.stringValue,
              let config = json["config"]?.stringValue.flatMap(Base64.decode)
        else { return nil }
        self.init(containerID: containerID, networkName: networkName, ifName: ifName,
                  netns: json["netns"]?.stringValue ?? "", config: config,
                  cniArgs: CNIArgs(json: json["cniArgs"]),
                  capabilityArgs: json["capabilityArgs"]?.objectValue ?? JSONObject(),
                  result: json["result"].flatMap { $0.isNull ? nil : $0 })
    }
}

/// `<cacheDir>/results/<network>-<containerID>-<ifname>`, as libcni lays it out.
package struct ResultCache: Sendable {
    package var cacheDir: String

    package init(cacheDir: String) { self.cacheDir = cacheDir }

    package var directory: String { Paths.join(cacheDir, "results") }

    package func path(network: String, containerID: String, ifName: String) -> String {
        Paths.join(directory, "\(network)-\(containerID)-\(ifName)")
    }

    package func save(_ entry: CachedResult) throws(CNIError) {
        do {
            try FileSystem.writeAtomically(path(network: entry.networkName, containerID: entry.containerID, ifName: entry.ifName),
                                           entry.json.serializedBytes)
        } catch { throw error.cniError }
    }

    /// The entry, or nil when absent or unreadable (a broken cache never blocks a DEL).
    package func load(network: String, containerID: String, ifName: String) -> CachedResult? {
        load(path: path(network: network, containerID: containerID, ifName: ifName))
    }

    /// Replaces the cached result of an attachment (after Multus changed its routes).
    package func updateResult(network: String, containerID: String, ifName: String, to result: JSONValue) throws(CNIError) {
        guard var entry = load(network: network, containerID: containerID, ifName: ifName) else { return }
        entry.result = result
        try save(entry)
    }

    package func remove(network: String, containerID: String, ifName: String) throws(CNIError) {
        do { try FileSystem.remove(path(network: network, containerID: containerID, ifName: ifName)) } catch { throw error.cniError }
    }

    /// Every readable entry, optionally only one container's. Names alone are
    /// ambiguous (network names may contain '-'), so the file content decides.
    package func entries(containerID: String? = nil) -> [CachedResult] {
        FileSystem.list(directory).compactMap { name -> CachedResult? in
            if let containerID, !name.contains("-\(containerID)-") { return nil }
            guard !name.contains(".tmp-"), let entry = load(path: Paths.join(directory, name)) else { return nil }
            return containerID == nil || entry.containerID == containerID ? entry : nil
        }
    }

    private func load(path: String) -> CachedResult? {
        guard let bytes = try? FileSystem.read(path), let json = try? JSONValue(parsing: bytes) else { return nil }
        return CachedResult(json: json)
    }
}
