import CNISpec
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

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

/// Undoes an install on SIGTERM, so an uninstalled multus-swift does not leave
/// a `00-multus` config behind that sends every later pod to a plugin whose
/// kubeconfig has gone. The binary stays: a pod being set up may be running it.
package enum Cleanup {
    /// Removes each recorded file that still holds what we wrote (a newer
    /// installer that has already replaced it keeps its file), then the empty
    /// `multus.d`, then puts renamed primaries back. Returns the removed paths.
    @discardableResult
    package static func run(_ written: WrittenFiles, log: InstallLog = .silent) -> [String] {
        var removed: [String] = []
        var folders: [String] = []
        for path in written.order.reversed() {
            guard let ours = written.files[path] else { continue }
            let current: [UInt8]?
            do { current = try FileSystem.read(path) } catch {
                log.error("cleanup: \(error.description)")
                continue
            }
            guard let current else { continue }
            guard current == ours else {
                log.info("cleanup: leaving \(path): it changed since this installer wrote it")
                continue
            }
            do {
                try FileSystem.remove(path)
                removed.append(path)
                log.info("cleanup: removed \(path)")
                let folder = Paths.directory(of: path)
                if folder.hasSuffix("/multus.d") && !folders.contains(folder) { folders.append(folder) }
            } catch {
                log.error("cleanup: \(error.description)")
            }
        }
        // Only when empty: other tools may keep files there too.
        for folder in folders where FileSystem.list(folder).isEmpty { rmdir(folder) }
        for move in written.renamed where !FileSystem.exists(move.original) && FileSystem.exists(move.renamed) {
            if rename(move.renamed, move.original) == 0 {
                log.info("cleanup: restored the primary config \(move.original)")
            } else {
                log.error("cleanup: cannot restore \(move.original) from \(move.renamed): \(Errno.text())")
            }
        }
        return removed
    }
}
