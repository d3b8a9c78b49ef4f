import CNISpec
import Delegation
import SystemSupport

/// A network ready to be attached, and the name network-status gives it.
package struct Delegate: Sendable, Equatable {
    package var network: NetworkConfigList
    package var statusName: String

    package init(network: NetworkConfigList, statusName: String? = nil) {
        self.network = network
        self.statusName = statusName ?? network.name
    }
}

/// Resolves `clusterNetwork` and `defaultNetworks` values that need no
/// Kubernetes: an absolute path (file, conflist or folder) or a network name
/// found in confDir. (Multus needs a kube client even for a path.)
package struct DelegateResolver: Sendable {
    package var confDir: String

    package init(confDir: String) { self.confDir = confDir }

    static let configExtensions = [".conf", ".json", ".conflist"]

    package func resolve(_ reference: String, field: String) throws(CNIError) -> Delegate {
        if reference.hasPrefix("/") { return try resolvePath(reference, field: field) }
        if let delegate = try findByName(reference) { return delegate }
        throw .invalidConfig("\(field): no network named \"\(reference)\" in \(confDir)")
    }

    /// A folder means its first config file in name order, as Multus does.
    func resolvePath(_ path: String, field: String) throws(CNIError) -> Delegate {
        if FileSystem.isDirectory(path) {
            guard let first = Self.configFiles(in: path).first else {
                throw .invalidConfig("\(field): no .conf, .json or .conflist file in \(path)")
            }
            return try load(Paths.join(path, first), field: field)
        }
        return try load(path, field: field)
    }

    /// The first config file in confDir (alphabetical) whose `name` matches.
    package func findByName(_ name: String) throws(CNIError) -> Delegate? {
        for file in Self.configFiles(in: confDir) {
            // Files that do not parse belong to somebody else; skip them.
            if let delegate = try? load(Paths.join(confDir, file), field: "confDir"), delegate.network.name == name {
                return delegate
            }
        }
        return nil
    }

    func load(_ path: String, field: String) throws(CNIError) -> Delegate {
        let found: [UInt8]?
        do { found = try FileSystem.read(path) } catch { throw error.cniError }
        guard let bytes = found else { throw .invalidConfig("\(field): \(path) does not exist") }
        do {
            return Delegate(network: try NetworkConfigList(parsing: bytes))
        } catch {
            throw error.prefixed("\(field): \(path)")
        }
    }

    static func configFiles(in dir: String) -> [String] {
        FileSystem.list(dir).filter { name in configExtensions.contains { name.hasSuffix($0) } }
    }
}
