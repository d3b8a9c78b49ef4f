/// What this installer put on the host, so that it can take exactly that away.
package struct WrittenFiles: Sendable, Equatable {
    /// Path → the bytes last written there (or found there, identical, at start).
    package private(set) var files: [String: [UInt8]] = [:]
    /// Paths in the order they were first written; cleanup goes in reverse, so
    /// the config that makes runtimes call us goes before the kubeconfig it names.
    package private(set) var order: [String] = []
    /// Primaries moved aside by `--rename-conf-file`: (original, renamed).
    package private(set) var renamed: [Renamed] = []

    package struct Renamed: Sendable, Equatable {
        package var original: String
        package var renamed: String
    }

    package init() {}

    package mutating func record(_ path: String, _ bytes: [UInt8]) {
        if files[path] == nil { order.append(path) }
        files[path] = bytes
    }

    package mutating func forget(_ path: String) {
        files[path] = nil
        order.removeAll { $0 == path }
    }

    package mutating func recordRename(from original: String, to renamed: String) {
        self.renamed.removeAll { $0.original == original }
        self.renamed.append(Renamed(original: original, renamed: renamed))
    }
}
