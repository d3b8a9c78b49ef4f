import CNISpec
#if canImport(Glibc)
import Glibc
#endif

/// The few file operations the CNI path needs, on Glibc directly: Foundation's
/// file APIs would cost start-up time in a binary that runs once per pod.
public enum FileIO {
    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public static func isExecutableFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }

    /// The whole file, or nil when it does not exist. Other failures throw code 5.
    public static func read(_ path: String) throws(CNIError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw .io("cannot read \(path): \(errnoText())")
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("cannot read \(path): \(errnoText())")
            }
            if n == 0 { return out }
            out.append(contentsOf: buffer[0..<n])
        }
    }

    /// Writes through a temporary name, fsyncs and renames, so a reader (or a
    /// crash) sees the old file or the new one, never half of one.
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o600) throws(CNIError) {
        let dir = directory(of: path)
        try makeDirectories(dir)
        let temp = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .io("cannot create \(temp): \(errnoText())") }
        var ok = writeAll(fd, bytes) && fsync(fd) == 0
        let failure = errnoText()
        ok = close(fd) == 0 && ok
        guard ok, rename(temp, path) == 0 else {
            unlink(temp)
            throw .io("cannot write \(path): \(failure)")
        }
        // No fsync of the folder: it cost ~8 ms a file on a busy disk, and losing
        // a rename in a node crash only leaves the previous state (or none),
        // which DEL and GC handle, while the pods' namespaces are gone anyway.
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

    /// `mkdir -p` with mode 0700 for what it creates; concurrent creators are fine.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o700) throws(CNIError) {
        if path.isEmpty || isDirectory(path) { return }
        try makeDirectories(directory(of: path), mode: mode)
        if mkdir(path, mode) != 0 && errno != EEXIST {
            throw .io("cannot create directory \(path): \(errnoText())")
        }
    }

    /// Removes a file; a file that is already gone is success.
    public static func remove(_ path: String) throws(CNIError) {
        if unlink(path) != 0 && errno != ENOENT { throw .io("cannot remove \(path): \(errnoText())") }
    }

    /// Entry names in a folder (no "." or ".."), sorted; empty when it does not exist.
    public static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    public static func join(_ dir: String, _ name: String) -> String {
        dir.hasSuffix("/") ? dir + name : dir + "/" + name
    }

    public static func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }
}
