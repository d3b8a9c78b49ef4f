import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

struct SocketError: Error, Sendable, CustomStringConvertible {
    var message: String
    /// Nobody listens (no socket file, or connection refused): the daemon is not up.
    var isNotListening = false
    init(_ message: String, isNotListening: Bool = false) {
        self.message = message
        self.isNotListening = isNotListening
    }
    var description: String { message }
}

/// A stream socket (unix or TCP) whose waits are poll(2) calls bounded by a
/// deadline on the monotonic clock. Sends use MSG_NOSIGNAL: a peer that went
/// away is an error, not SIGPIPE. Connected sockets are non-blocking, so no
/// connect (to a daemon whose backlog is full) or send (to a peer that stopped
/// reading) outlasts its deadline. Every descriptor is close-on-exec, so no
/// plugin inherits one.
struct StreamSocket: Sendable {
    let fd: Int32

    static let clock = SystemTime()

    // MARK: listening

    /// Binds `path` (a stale socket there is replaced) with `mode`.
    static func listen(unixPath path: String, mode: mode_t = 0o600, backlog: Int32 = 128) throws(SocketError) -> StreamSocket {
        var address = try unixAddress(path)
        if FileSystem.isSocket(path) { unlink(path) }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket(): \(Errno.text())") }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, chmod(path, mode) == 0, Glibc.listen(fd, backlog) == 0 else {
            let text = Errno.text()
            Glibc.close(fd)
            throw SocketError("cannot listen on \(path): \(text)")
        }
        return StreamSocket(fd: fd)
    }

    /// Listens on every address at `port`, IPv6 and IPv4 (as Go's `:port`), or IPv4 alone without IPv6.
    static func listen(tcpPort port: Int, backlog: Int32 = 64) throws(SocketError) -> StreamSocket {
        var one: Int32 = 1
        var fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd >= 0 {
            var zero: Int32 = 0
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &zero, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
            if bound == 0, Glibc.listen(fd, backlog) == 0 { return StreamSocket(fd: fd) }
            Glibc.close(fd)
        }
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket(): \(Errno.text())") }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, backlog) == 0 else {
            let text = Errno.text()
            Glibc.close(fd)
            throw SocketError("cannot listen on port \(port): \(text)")
        }
        return StreamSocket(fd: fd)
    }

    /// The next connection, or nil when none arrived within `wait` (so the
    /// caller can look at its stop flag) or the socket failed.
    func accept(waiting wait: Duration) -> StreamSocket? {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, Int32(wait.milliseconds)) > 0 else { return nil }
        let client = Glibc.accept(fd, nil, nil)  // accept4 is not in Swift's Glibc module
        guard client >= 0 else { return nil }
        _ = fcntl(client, F_SETFD, FD_CLOEXEC)
        _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
        return StreamSocket(fd: client)
    }

    // MARK: connecting

    static func connect(unixPath path: String, timeout: Duration) throws(SocketError) -> StreamSocket {
        var address = try unixAddress(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket(): \(Errno.text())") }
        let deadline = clock.now + timeout
        while true {
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            if rc == 0 { return StreamSocket(fd: fd) }
            let code = errno
            if code == EINTR { continue }
            // A full backlog: the daemon is there but busy.
            if code == EAGAIN && clock.now < deadline {
                clock.sleep(for: .milliseconds(10))
                continue
            }
            Glibc.close(fd)
            throw SocketError("dial unix \(path): connect: \(Errno.text(code))",
                              isNotListening: code == ENOENT || code == ECONNREFUSED || code == ENOTDIR)
        }
    }

    private static func unixAddress(_ path: String) throws(SocketError) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity else {
            throw SocketError("the socket path \(path) must be 1 to \(capacity - 1) bytes long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }

    // MARK: data

    /// Writes all of `bytes` before `deadline`.
    func send(_ bytes: [UInt8], until deadline: Duration) throws(SocketError) {
        var offset = 0
        while offset < bytes.count {
            try wait(Int16(POLLOUT), until: deadline, doing: "writing")
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n > 0 { offset += n; continue }
            if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            throw SocketError("write: \(Errno.text())")
        }
    }

    /// Appends what arrives to `buffer`; false at the end of the stream.
    func receive(into buffer: inout [UInt8], until deadline: Duration) throws(SocketError) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            try wait(Int16(POLLIN), until: deadline, doing: "reading")
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { buffer += chunk[..<n]; return true }
            if n == 0 { return false }
            if errno == EINTR || errno == EAGAIN { continue }
            if errno == ECONNRESET { return false }
            throw SocketError("read: \(Errno.text())")
        }
    }

    private func wait(_ events: Int16, until deadline: Duration, doing what: String) throws(SocketError) {
        while true {
            let left = deadline - Self.clock.now
            guard left > .zero else { throw SocketError("timed out \(what)") }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let rc = poll(&p, 1, Int32(clamping: left.milliseconds + 1))
            if rc > 0 { return }
            if rc < 0 && errno != EINTR { throw SocketError("poll: \(Errno.text())") }
        }
    }

    func close() { _ = Glibc.close(fd) }
}
