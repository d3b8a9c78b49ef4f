import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// A non-blocking unix stream socket whose every wait is a poll(2) bounded by
/// the call's deadline. Sends use MSG_NOSIGNAL: a peer that went away is an
/// error, not a SIGPIPE.
struct UnixSocket {
    private let fd: Int32

    static func connect(path: String, deadline: Deadline) throws(UnaryGRPCError) -> UnixSocket {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !pathBytes.isEmpty, pathBytes.count < capacity else {
            throw .connect(path: path, reason: "a unix socket path must be 1 to \(capacity - 1) bytes long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw .connect(path: path, reason: "socket(): \(Self.errnoText())") }
        while true {
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            if rc == 0 { return UnixSocket(fd: fd) }
            let error = errno
            if error == EINTR { continue }
            // A full listen backlog: try again until the deadline.
            if error == EAGAIN, !deadline.hasPassed {
                _ = poll(nil, 0, min(10, deadline.pollTimeout))
                continue
            }
            _ = Glibc.close(fd)
            if error == EAGAIN {
                throw .deadlineExceeded(milliseconds: deadline.budget.milliseconds, waitingFor: "the server to accept the connection")
            }
            throw .connect(path: path, reason: Self.errnoText(error))
        }
    }

    /// Writes all of `bytes`, waiting for room as needed.
    func send(_ bytes: [UInt8], deadline: Deadline, waitingFor: String) throws(UnaryGRPCError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n >= 0 {
                offset += n
                continue
            }
            let error = errno
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK {
                try wait(for: Int16(POLLOUT), deadline: deadline, waitingFor: waitingFor)
                continue
            }
            if error == EPIPE || error == ECONNRESET { throw .connectionClosed(waitingFor: waitingFor) }
            throw .io("cannot write to the socket: \(Self.errnoText(error))")
        }
    }

    /// Appends what is readable (waiting until something is); false at end of stream.
    func receive(into buffer: inout [UInt8], deadline: Deadline, waitingFor: String) throws(UnaryGRPCError) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                buffer += chunk[..<n]
                return true
            }
            if n == 0 { return false }
            let error = errno
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK {
                try wait(for: Int16(POLLIN), deadline: deadline, waitingFor: waitingFor)
                continue
            }
            if error == ECONNRESET { return false }
            throw .io("cannot read from the socket: \(Self.errnoText(error))")
        }
    }

    private func wait(for events: Int16, deadline: Deadline, waitingFor: String) throws(UnaryGRPCError) {
        while true {
            let remaining = deadline.pollTimeout
            guard remaining > 0 else { throw .deadlineExceeded(milliseconds: deadline.budget.milliseconds, waitingFor: waitingFor) }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let rc = poll(&p, 1, remaining)
            if rc > 0 { return }   // ready, or an error/hang-up that the next call reports
            if rc < 0 && errno != EINTR { throw .io("poll(): \(Self.errnoText())") }
        }
    }

    func close() { _ = Glibc.close(fd) }

    static func errnoText(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }
}
