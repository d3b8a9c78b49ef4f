import SystemSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Bytes in and out of one connection, every step under a deadline.
protocol ByteStream: AnyObject {
    /// Up to `buffer.count` bytes; 0 at the end of the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(TransportError) -> Int
    func write(_ bytes: [UInt8], deadline: Deadline) throws(TransportError)
    func close()
}

/// A non-blocking TCP socket used as if blocking: each step waits in poll(2)
/// until the deadline. `server` names the peer in messages.
final class TCPSocket: ByteStream {
    let fd: Int32
    let server: String

    private init(fd: Int32, server: String) {
        self.fd = fd
        self.server = server
    }

    deinit { close() }

    /// Connects to `host` (an IP literal, else resolved with getaddrinfo) on
    /// `port`, trying each address in turn until one answers.
    static func connect(host: String, port: Int, server: String, deadline: Deadline) throws(TransportError) -> TCPSocket {
        let addresses = try SocketAddress.resolve(host: host, port: port, server: server)
        var lastError = TransportError(.other, "cannot connect to \(server)")
        for address in addresses {
            do {
                return try connect(to: address, server: server, deadline: deadline)
            } catch {
                lastError = error
                if error.kind == .timeout { break }
            }
        }
        throw lastError
    }

    private static func connect(to address: SocketAddress, server: String, deadline: Deadline) throws(TransportError)
        -> TCPSocket
    {
        let kind = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let fd = socket(address.family, kind, 0)
        guard fd >= 0 else { throw TransportError(.other, "cannot create a socket: \(Errno.text())") }
        let socket = TCPSocket(fd: fd, server: server)
        var one: Int32 = 1
        // Requests are small and pipelined: send each write at once.
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let started = address.bytes.withUnsafeBytes { raw in
            Glibc.connect(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
        if started != 0 {
            guard errno == EINPROGRESS else { throw socket.connectFailure(errno) }
            try socket.wait(for: Int16(POLLOUT), deadline: deadline, what: "connecting to \(server) timed out")
            var code: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length)
            if code != 0 { throw socket.connectFailure(code) }
        }
        return socket
    }

    private func connectFailure(_ code: Int32) -> TransportError {
        switch code {
        case ECONNREFUSED: TransportError(.refused, "connection to \(server) refused")
        case EHOSTUNREACH, ENETUNREACH: TransportError(.unreachable, "\(server) unreachable (\(Errno.text(code)))")
        case ETIMEDOUT: TransportError(.timeout, "connecting to \(server) timed out")
        default: TransportError(.other, "cannot connect to \(server): \(Errno.text(code))")
        }
    }

    func ioFailure(_ code: Int32) -> TransportError {
        switch code {
        case ECONNRESET, EPIPE, ECONNABORTED: TransportError(.broken, "connection to \(server) reset")
        case EHOSTUNREACH, ENETUNREACH: TransportError(.unreachable, "\(server) unreachable (\(Errno.text(code)))")
        default: TransportError(.other, "\(server): \(Errno.text(code))")
        }
    }

    /// Waits until `events` are ready or the deadline passes.
    func wait(for events: Int16, deadline: Deadline, what: @autoclosure () -> String) throws(TransportError) {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        while true {
            let ready = poll(&entry, 1, deadline.pollTimeout)
            if ready > 0 { return }
            if ready == 0 { throw TransportError(.timeout, what()) }
            guard errno == EINTR else { throw ioFailure(errno) }
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(TransportError) -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            switch errno {
            case EINTR: continue
            case EAGAIN: try wait(for: Int16(POLLIN), deadline: deadline, what: "\(server) did not answer in time")
            default: throw ioFailure(errno)
            }
        }
    }

    func write(_ bytes: [UInt8], deadline: Deadline) throws(TransportError) {
        var offset = 0
        while offset < bytes.count {
            // MSG_NOSIGNAL: a peer that closed must not kill us with SIGPIPE.
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                offset += n
                continue
            }
            switch errno {
            case EINTR: continue
            case EAGAIN: try wait(for: Int16(POLLOUT), deadline: deadline, what: "\(server) did not take the request in time")
            default: throw ioFailure(errno)
            }
        }
    }

    private var closed = false

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }
}

/// A resolved socket address, kept as the bytes of its sockaddr.
struct SocketAddress {
    var family: Int32
    var bytes: [UInt8]

    /// IP literals are taken as they are (no resolver work); names go through getaddrinfo.
    static func resolve(host: String, port: Int, server: String) throws(TransportError) -> [SocketAddress] {
        if let literal = literal(host, port: port) { return [literal] }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            let reason = status == EAI_SYSTEM ? Errno.text() : String(cString: gai_strerror(status))
            throw TransportError(.resolution, "cannot resolve \(host) (\(server)): \(reason)")
        }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if let address = current.pointee.ai_addr {
                let raw = UnsafeRawBufferPointer(start: address, count: Int(current.pointee.ai_addrlen))
                addresses.append(SocketAddress(family: current.pointee.ai_family, bytes: Array(raw)))
            }
            entry = current.pointee.ai_next
        }
        return addresses
    }

    static func literal(_ host: String, port: Int) -> SocketAddress? {
        var v4 = sockaddr_in()
        if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = in_port_t(UInt16(port)).bigEndian
            return SocketAddress(family: AF_INET, bytes: withUnsafeBytes(of: &v4) { Array($0) })
        }
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = in_port_t(UInt16(port)).bigEndian
            return SocketAddress(family: AF_INET6, bytes: withUnsafeBytes(of: &v6) { Array($0) })
        }
        return nil
    }

    static func isIPLiteral(_ host: String) -> Bool { literal(host, port: 0) != nil }
}
