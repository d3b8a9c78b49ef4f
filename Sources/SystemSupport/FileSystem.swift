import CSystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// The file operations multus-swift needs, on libc directly: Foundation's file
/// APIs would cost start-up time in a binary that runs once per pod.
package enum FileSystem {
    package static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    package static func isDirectory(_ path: String) -> Bool { fileType(path) == S_IFDIR }
    package static func isSocket(_ path: String) -> Bool { fileType(path) == S_IFSOCK }

    package static func isExecutableFile(_ path: String) -> Bool {
        fileType(path) == S_IFREG && access(path, X_OK) == 0
    }

    private static func fileType(_ path: String) -> mode_t? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return st.st_mode & S_IFMT
    }

    /// The whole file, or nil when it does not exist. A file larger than `limit`
    /// bytes is an error (EFBIG), so a hostile file cannot make us hold it all.
    package static func read(_ path: String, limit: Int = .max, followLinks: Bool = true) throws(SystemError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | (followLinks ? 0 : O_NOFOLLOW))
        if fd < 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            throw SystemError("read", path, code: code)
        }
        defer { close(fd) }
        return try readAll(fd, path: path, limit: limit)
    }

    /// The whole file; a missing file is an error too (ENOENT).
    package static func contents(of path: String, limit: Int = .max) throws(SystemError) -> [UInt8] {
        guard let bytes = try read(path, limit: limit) else { throw SystemError("read", path, code: ENOENT) }
        return bytes
    }

    /// Reads `fd` to its end; EFBIG past `limit` bytes.
    package static func readAll(_ fd: Int32, path: String, limit: Int = .max) throws(SystemError) -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError("read", path)
            }
            if n == 0 { return out }
            guard out.count + n <= limit else { throw SystemError("read", path, code: EFBIG) }
            out.append(contentsOf: buffer[0..<n])
        }
    }

    /// Writes through a temporary name and renames, so a reader (or a crash)
    /// sees the old file or the new one, never half of one. `sync` flushes the
    /// data before the rename: only the one file per ADD that a node crash must
    /// not lose asks for it.
    package static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o600,
                                        sync: Bool = false) throws(SystemError) {
        let dir = Paths.directory(of: path)
        try makeDirectories(dir)
        let directory = try Directory(opening: dir)
        try directory.writeAtomically(Paths.baseName(of: path), bytes, mode: mode, sync: sync)
    }

    /// `mkdir -p`; what it creates gets `mode`; concurrent creators are fine.
    package static func makeDirectories(_ path: String, mode: mode_t = 0o700) throws(SystemError) {
        if path.isEmpty || isDirectory(path) { return }
        try makeDirectories(Paths.directory(of: path), mode: mode)
        if mkdir(path, mode) != 0 && errno != EEXIST { throw SystemError("create directory", path) }
    }

    /// Removes a file; one that is already gone is success.
    package static func remove(_ path: String) throws(SystemError) {
        if unlink(path) != 0 && errno != ENOENT { throw SystemError("remove", path) }
    }

    /// Entry names in a folder (no "." or ".."), sorted; empty when it does not exist.
    package static func list(_ path: String) -> [String] {
        guard let directory = try? Directory(opening: path) else { return [] }
        return directory.list()
    }
}

/// A pipe whose two ends are closed on exec (only explicit dup2 copies reach a child).
package func makePipe() throws(SystemError) -> (read: Int32, write: Int32) {
    var fds: [Int32] = [-1, -1]
    guard csystem_pipe_cloexec(&fds) == 0 else { throw SystemError("create", "a pipe") }
    return (fds[0], fds[1])
}
