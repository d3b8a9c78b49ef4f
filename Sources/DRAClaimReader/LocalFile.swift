#if canImport(Glibc)
import Glibc
#endif

/// The few file-system reads this module makes (no Foundation on the CNI path).
enum LocalFile {
    /// The whole file, nil when it does not exist; other failures throw errno's text.
    static func contents(of path: String) throws(LocalFileError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw LocalFileError(path: path, code: errno)
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw LocalFileError(path: path, code: errno)
            }
            if n == 0 { return bytes }
            bytes += chunk[..<n]
        }
    }

    static func isSocket(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFSOCK
    }
}

struct LocalFileError: Error, CustomStringConvertible {
    var path: String
    var code: Int32
    var description: String { "cannot read \(path): \(String(cString: strerror(code)))" }
}
