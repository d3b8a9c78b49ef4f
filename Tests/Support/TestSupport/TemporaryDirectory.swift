import Synchronization
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// A unique folder under /tmp for one test, removed with everything in it.
///
/// Nothing removes it by itself (a value has no deinit, and a class's may
/// never run while a closure or task still holds it): make it with
/// `withTemporaryDirectory { dir in … }`, or follow `TemporaryDirectory(…)` at
/// once with `defer { dir.remove() }`, so that it goes when the test ends,
/// whether it returned, threw or failed an expectation. What a test process
/// makes once and shares (a PKI) goes in `TemporaryDirectory.forProcess`.
package struct TemporaryDirectory: Sendable {
    package let path: String

    package init(_ label: String = "msw-test") {
        var template = Array("/tmp/\(label)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A folder that lives as long as the test process, for fixtures made once
    /// and shared by many tests: removed when the process exits.
    package static func forProcess(_ label: String) -> TemporaryDirectory {
        let directory = TemporaryDirectory(label)
        processFolders.withLock { paths in
            if paths.isEmpty { atexit { for path in processFolders.withLock({ $0 }) { TemporaryDirectory.removeTree(path) } } }
            paths.append(directory.path)
        }
        return directory
    }

    package func file(_ name: String) -> String { Paths.join(path, name) }

    /// Writes `text` to `name` (relative to this folder), creating folders on the way.
    @discardableResult
    package func write(_ name: String, _ text: String, mode: mode_t = 0o644) throws -> String {
        let full = file(name)
        try FileSystem.makeDirectories(Paths.directory(of: full), mode: 0o755)
        try FileSystem.writeAtomically(full, Array(text.utf8), mode: mode)
        chmod(full, mode)
        return full
    }

    package func read(_ name: String) -> String? {
        (try? FileSystem.read(file(name))).flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) }
    }

    package func exists(_ name: String) -> Bool { FileSystem.exists(file(name)) }

    /// Names in a folder of this one ("" for the folder itself), sorted.
    package func list(_ name: String = "") -> [String] { FileSystem.list(name.isEmpty ? path : file(name)) }

    package func remove() { Self.removeTree(path) }

    /// Removes `path` and everything below it, without following links and
    /// without going into anything mounted below it (a container's /proc, an
    /// overlay, a bind mount of the host's /): that folder, and so `path`, stay.
    package static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        removeTree(path, info, device: info.st_dev, mountPoints: mountPoints(under: path))
    }

    private static func removeTree(_ path: String, _ info: stat, device: dev_t, mountPoints: Set<String>) {
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            unlink(path)
            return
        }
        guard info.st_dev == device, !mountPoints.contains(path) else { return }
        for name in FileSystem.list(path) {
            let child = Paths.join(path, name)
            var childInfo = stat()
            if lstat(child, &childInfo) == 0 { removeTree(child, childInfo, device: device, mountPoints: mountPoints) }
        }
        rmdir(path)
    }

    /// This process's mount points at or below `path` (from /proc/self/mounts).
    private static func mountPoints(under path: String) -> Set<String> {
        let text = String(decoding: (try? FileSystem.read("/proc/self/mounts")).flatMap { $0 } ?? [], as: UTF8.self)
        return Set(text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 1, fields[1] == path || fields[1].hasPrefix(path + "/") else { return nil }
            return String(fields[1])
        })
    }
}

/// The folders of `TemporaryDirectory.forProcess`, removed at exit.
private let processFolders = Mutex<[String]>([])

/// Runs `body` with a fresh folder, removed when `body` returns or throws.
package func withTemporaryDirectory<T>(_ label: String = "msw-test",
                                       _ body: (TemporaryDirectory) throws -> T) rethrows -> T {
    let directory = TemporaryDirectory(label)
    defer { directory.remove() }
    return try body(directory)
}
