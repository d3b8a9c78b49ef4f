import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// A unique folder under /tmp for one test, removed with everything in it.
package struct TemporaryDirectory: Sendable {
    package let path: String

    package init(_ label: String = "msw-test") {
        var template = Array("/tmp/\(label)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
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

    package static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in FileSystem.list(path) { removeTree(Paths.join(path, name)) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}
