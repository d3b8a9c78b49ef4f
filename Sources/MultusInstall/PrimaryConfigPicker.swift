import CNISpec
import SystemSupport

/// The node's own CNI config (Cilium, Calico, flannel, kindnet, …) that the
/// multus config wraps as its single delegate.
package struct PrimaryConfig: Sendable, Equatable {
    package var path: String
    /// The file exactly as read, to notice any change.
    package var bytes: [UInt8]
    /// The file parsed losslessly: it goes inline into the multus config unchanged.
    package var json: JSONValue
    package var cniVersion: CNIVersion
    package var isConflist: Bool

    package var fileName: String { String(path[path.index(after: path.lastIndex(of: "/") ?? path.startIndex)...]) }
}

/// Picks the primary as a runtime would, minus our own config: the first
/// `.conf`/`.conflist` in the folder by name, skipping `00-multus.conf*` and any
/// config whose plugin type is multus or multus-swift (a Multus left behind
/// under another name would otherwise become its own delegate).
package enum PrimaryConfigPicker {
    package static let extensions = [".conf", ".conflist"]
    package static let ownFilePrefix = "00-multus.conf"
    /// multus-shim too: a thick install's config is a multus config as well.
    package static let multusTypes: Set<String> = ["multus", "multus-swift", "multus-shim"]

    /// nil when there is no candidate (yet). A candidate that is not valid JSON
    /// or names no cniVersion is an error rather than skipped: it may be the
    /// real primary being written, and the next file is not what the runtime would use.
    package static func pick(directory: String, fileName: String? = nil) throws(InstallError) -> PrimaryConfig? {
        let names = fileName.map { [$0] } ?? FileSystem.list(directory).filter { name in
            extensions.contains { name.hasSuffix($0) } && !name.hasPrefix(ownFilePrefix)
        }
        for name in names {
            let path = Paths.join(directory, name)
            let bytes: [UInt8]?
            do { bytes = try FileSystem.read(path) } catch { throw InstallError.from(error) }
            guard let bytes, !FileSystem.isDirectory(path) else { continue }
            let config = try parse(path: path, bytes: bytes)
            if isMultus(config.json) { continue }
            return config
        }
        return nil
    }

    /// Reads one candidate; the error says which file and what to fix.
    package static func parse(path: String, bytes: [UInt8]) throws(InstallError) -> PrimaryConfig {
        let json: JSONValue
        do { json = try JSONValue(parsing: bytes) } catch {
            throw .primaryConfig("primary CNI config \(path) is not valid JSON: \(error)")
        }
        guard case .object(let object) = json else {
            throw .primaryConfig("primary CNI config \(path) must be a JSON object, not \(json.kindName)")
        }
        let version = try cniVersion(of: object, path: path)
        let isConflist = object["plugins"] != nil
        if isConflist {
            guard let plugins = object["plugins"]?.arrayValue, !plugins.isEmpty,
                  plugins.allSatisfy({ $0["type"]?.stringValue?.isEmpty == false }) else {
                throw .primaryConfig("primary CNI config \(path): \"plugins\" must be a non-empty list of plugins with a \"type\"")
            }
        } else if object["type"]?.stringValue?.isEmpty != false {
            throw .primaryConfig("primary CNI config \(path) has neither \"type\" nor \"plugins\"")
        }
        return PrimaryConfig(path: path, bytes: bytes, json: json, cniVersion: version, isConflist: isConflist)
    }

    /// The multus config takes the primary's version, so the primary must name one
    /// (libcni's 0.1.0 fallback would silently downgrade every pod's result).
    /// `cniVersions` (libcni ≥ 1.2) counts: the highest version we speak.
    static func cniVersion(of object: JSONObject, path: String) throws(InstallError) -> CNIVersion {
        if let text = object["cniVersion"]?.stringValue, !text.isEmpty {
            guard let version = CNIVersionText.parse(text) else {
                throw .primaryConfig("primary CNI config \(path) has cniVersion \"\(text)\", which multus-swift does not speak "
                    + "(supported: \(CNIVersion.supported.map(\.description).joined(separator: ", ")))")
            }
            return version
        }
        if let best = object["cniVersions"]?.arrayValue?.compactMap({ $0.stringValue.flatMap(CNIVersionText.parse) }).max() {
            return best
        }
        throw .primaryConfig("primary CNI config \(path) has no \"cniVersion\"; multus-swift writes its config "
            + "with the primary's version, so add one (e.g. \"cniVersion\": \"0.3.1\") to that file")
    }

    static func isMultus(_ json: JSONValue) -> Bool {
        if let type = json["type"]?.stringValue, multusTypes.contains(type) { return true }
        return json["plugins"]?.arrayValue?.contains { $0["type"]?.stringValue.map(multusTypes.contains) == true } ?? false
    }
}
