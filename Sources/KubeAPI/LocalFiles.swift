#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The few file and environment reads the configuration loaders need, on libc
/// directly (KubeAPI does not depend on Delegation's FileIO).
enum LocalFiles {
    struct ReadError: Error {
        var notFound: Bool
        /// "no such file", "Permission denied", …
        var reason: String
    }

    /// The whole file.
    static func contents(of path: String) throws(ReadError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw ReadError(notFound: true, reason: "no such file") }
            throw ReadError(notFound: false, reason: errorText(code))
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                throw ReadError(notFound: false, reason: errorText(code))
            }
            if n == 0 { return out }
            out.append(contentsOf: buffer[0..<n])
        }
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    static func errorText(_ code: Int32) -> String {
        strerror(code).map { String(cString: $0) } ?? "errno \(code)"
    }

    /// The folder of a file path ("." for a bare name).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// `path` resolved against `base` unless it is absolute (as clientcmd does).
    static func resolve(_ path: String, against base: String) -> String {
        if path.isEmpty || path.hasPrefix("/") { return path }
        return base.hasSuffix("/") ? base + path : base + "/" + path
    }
}
