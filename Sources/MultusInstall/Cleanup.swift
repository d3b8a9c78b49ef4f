import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// Undoes an install on SIGTERM when `--cleanup-config-on-exit` is on, so an
/// uninstalled multus-swift does not leave a `00-multus` config behind that
/// sends every later pod to a plugin whose kubeconfig has gone. Go removes only
/// the config; this also takes the kubeconfig and token it wrote. The binary
/// stays: a pod being set up may be running it.
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
