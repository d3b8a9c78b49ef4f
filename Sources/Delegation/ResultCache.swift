import CNISpec
import SystemSupport

/// One file of the libcni results cache, in libcni's own format, so tools that
/// read libcni caches (and Go Multus after a rollback) understand ours.
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

/// `<cacheDir>/results/<network>-<containerID>-<ifname>`, as libcni lays it
/// out. `results` is opened without following links: a link planted there
/// must not make us write elsewhere.
package struct ResultCache: Sendable {
    package let cacheDir: String
    static let folderName = "results"
    /// A name longer than this cannot be written (NAME_MAX 255, less the
    /// temporary suffix of an atomic write).
    package static let maximumFileNameLength = 224

    package init(cacheDir: String) { self.cacheDir = cacheDir }

    package var directory: String { Paths.join(cacheDir, Self.folderName) }

    package static func fileName(network: String, containerID: String, ifName: String) -> String {
        "\(network)-\(containerID)-\(ifName)"
    }

    private func folder(create: Bool) throws(SystemError) -> Directory {
        try Directory(opening: cacheDir, create: create).subdirectory(Self.folderName, create: create)
    }

    package func save(_ entry: CachedResult) throws(CNIError) {
        let name = Self.fileName(network: entry.networkName, containerID: entry.containerID, ifName: entry.ifName)
        do { try folder(create: true).writeAtomically(name, entry.json.serializedBytes) } catch { throw error.cniError }
    }

    /// The entry, or nil when absent or unreadable (a broken cache never blocks a DEL).
    package func load(network: String, containerID: String, ifName: String) -> CachedResult? {
        guard let dir = try? folder(create: false) else { return nil }
        return load(Self.fileName(network: network, containerID: containerID, ifName: ifName), in: dir)
    }

    /// Replaces the cached result of an attachment (after Multus changed its routes).
    package func updateResult(network: String, containerID: String, ifName: String, to result: JSONValue) throws(CNIError) {
        guard var entry = load(network: network, containerID: containerID, ifName: ifName) else { return }
        entry.result = result
        try save(entry)
    }

    package func remove(network: String, containerID: String, ifName: String) throws(CNIError) {
        let name = Self.fileName(network: network, containerID: containerID, ifName: ifName)
        do { try folder(create: false).remove(name) } catch {
            if !error.isNotFound { throw error.cniError }
        }
    }

    /// Every readable entry, optionally only one container's. Names alone are
    /// ambiguous (network names may contain '-'), so the file content decides.
    package func entries(containerID: String? = nil) -> [CachedResult] {
        guard let dir = try? folder(create: false) else { return [] }
        return dir.list().compactMap { name -> CachedResult? in
            if let containerID, !name.contains("-\(containerID)-") { return nil }
            guard !Directory.isTemporary(name), let entry = load(name, in: dir) else { return nil }
            return containerID == nil || entry.containerID == containerID ? entry : nil
        }
    }

    /// Temporary files of killed writers: one container's, or (GC) every one
    /// older than a minute.
    package func removeLeftovers(containerID: String?, now: Int = WallClock.now().seconds) {
        guard let dir = try? folder(create: false) else { return }
        for name in dir.list() where Directory.isTemporary(name) {
            if let containerID {
                guard name.contains("-\(containerID)-") else { continue }
            } else if dir.age(of: name, now: now) < 60 {
                continue
            }
            try? dir.remove(name)
        }
    }

    private func load(_ name: String, in dir: Directory) -> CachedResult? {
        guard let bytes = try? dir.read(name, limit: 16 << 20), let json = try? JSONValue(parsing: bytes) else { return nil }
        return CachedResult(json: json)
    }
}
