#if canImport(Glibc)
import Glibc
#endif

/// An open folder: names inside it are opened relative to it (openat) and
/// never through a symbolic link, so a link planted at a cache path cannot
/// make us read or write elsewhere.
package final class Directory: Sendable {
    package let path: String
    private let fd: Int32

    /// Opens `path` (following links in the path itself: the configured folder
    /// may legitimately be one); `create` makes it first (mode 0700).
    package init(opening path: String, create: Bool = false) throws(SystemError) {
        if create { try FileSystem.makeDirectories(path) }
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open directory", path) }
        self.path = path
        self.fd = fd
    }

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    /// A folder inside this one, never a link; `create` makes it (mode 0700).
    package func subdirectory(_ name: String, create: Bool = false) throws(SystemError) -> Directory {
        let full = Paths.join(path, name)
        if create && mkdirat(fd, name, 0o700) != 0 && errno != EEXIST { throw SystemError("create directory", full) }
        let sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard sub >= 0 else { throw SystemError("open directory", full) }
        return Directory(path: full, fd: sub)
    }

    /// The file's bytes, nil when absent; a link is ELOOP; larger than `limit` is EFBIG.
    package func read(_ name: String, limit: Int = .max) throws(SystemError) -> [UInt8]? {
        let file = openat(fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        if file < 0 {
            if errno == ENOENT { return nil }
            throw SystemError("read", Paths.join(path, name))
        }
        defer { close(file) }
        return try FileSystem.readAll(file, path: Paths.join(path, name), limit: limit)
    }

    /// Temporary file + rename inside this folder (see FileSystem.writeAtomically).
    package func writeAtomically(_ name: String, _ bytes: [UInt8], mode: mode_t = 0o600, sync: Bool = false)
        throws(SystemError) {
        let temp = "\(name)\(Self.temporaryMarker)\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let full = Paths.join(path, name)
        let file = openat(fd, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard file >= 0 else { throw SystemError("create", Paths.join(path, temp)) }
        var failure: Int32 = 0
        if !Self.writeAll(file, bytes) || (sync && fsync(file) != 0) { failure = errno }
        if close(file) != 0 && failure == 0 { failure = errno }
        if failure == 0 && renameat(fd, temp, fd, name) != 0 { failure = errno }
        guard failure == 0 else {
            unlinkat(fd, temp, 0)
            throw SystemError("write", full, code: failure)
        }
    }

    /// What temporary names carry, so leftovers of a killed writer can be found.
    package static let temporaryMarker = ".tmp-"

    package static func isTemporary(_ name: String) -> Bool { name.contains(temporaryMarker) }

    /// Removes a file; one already gone is success.
    package func remove(_ name: String) throws(SystemError) {
        if unlinkat(fd, name, 0) != 0 && errno != ENOENT { throw SystemError("remove", Paths.join(path, name)) }
    }

    /// Removes an empty folder inside this one; absent is success.
    package func removeDirectory(_ name: String) throws(SystemError) {
        if unlinkat(fd, name, AT_REMOVEDIR) != 0 && errno != ENOENT {
            throw SystemError("remove directory", Paths.join(path, name))
        }
    }

    package enum EntryKind: Sendable { case file, directory, link, other }

    /// What `name` is, without following a link; nil when absent.
    package func kind(of name: String) -> EntryKind? {
        var st = stat()
        guard fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        case S_IFLNK: return .link
        default: return .other
        }
    }

    /// Seconds since `name` was last modified (0 when absent or in the future).
    package func age(of name: String, now: Int = WallClock.now().seconds) -> Int {
        var st = stat()
        guard fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return 0 }
        return max(0, now - Int(st.st_mtim.tv_sec))
    }

    /// Entry names (no "." or ".."), sorted.
    package func list() -> [String] {
        let copy = dup(fd)
        guard copy >= 0, let stream = fdopendir(copy) else { return [] }
        defer { closedir(stream) }
        rewinddir(stream)
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }
}
