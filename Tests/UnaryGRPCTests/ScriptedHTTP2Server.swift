import Foundation
import Glibc
@testable import UnaryGRPC

/// An HTTP/2 server on a unix socket whose every frame is written by the test:
/// it accepts one connection and runs `script` on it in a thread of its own,
/// so a test can misbehave exactly as it means to (never answer, reset, send
/// GOAWAY, honour flow control to the byte). Blocking reads time out after
/// 5 s, so a broken client cannot hang the test run. Follow it with
/// `defer { server.stop() }`: a test that throws before `finish()` leaves
/// neither the socket file nor a thread waiting for a connection.
final class ScriptedHTTP2Server: @unchecked Sendable {
    let path: String
    private let listener: Int32
    private let finished = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var outcome: Result<Void, any Error> = .success(())
    private var stopped = false

    init(_ script: @escaping @Sendable (Peer) throws -> Void) throws {
        path = "/tmp/unary-grpc-\(UInt32.random(in: 0...UInt32.max)).sock"
        unlink(path)
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        self.listener = listener
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(self.path.utf8))
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0, listen(listener, 4) == 0 else {
            let error = PeerError("cannot listen on \(path): errno \(errno)")
            close(listener)
            unlink(path)
            throw error
        }
        let thread = Thread { [self] in
            let fd = accept(listener, nil, nil)
            var result: Result<Void, any Error> = .success(())
            if fd < 0 {
                result = .failure(PeerError("accept failed: errno \(errno)"))
            } else {
                var tv = timeval(tv_sec: 5, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                let peer = Peer(fd: fd)
                do { try script(peer) } catch { result = .failure(error) }
                close(fd)
            }
            lock.lock()
            outcome = result
            lock.unlock()
            finished.signal()
        }
        thread.start()
    }

    /// Waits for the script to end and rethrows what it threw.
    func finish() throws {
        guard finished.wait(timeout: .now() + 20) == .success else { throw PeerError("the server script did not finish") }
        stop()
        close(listener)
        lock.lock()
        defer { lock.unlock() }
        try outcome.get()
    }

    /// Stops listening and removes the socket file; a script still waiting
    /// for its connection ends. Once is enough; `finish()` does it too.
    func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        shutdown(listener, Int32(SHUT_RDWR))
        unlink(path)
    }

    /// A call against this server with a short default deadline.
    func call(timeout: Duration = .seconds(5), maxAnswerBytes: Int = UnaryGRPCCall.defaultMaxAnswerBytes) -> UnaryGRPCCall {
        UnaryGRPCCall(socketPath: path, method: "/test.Service/Call", timeout: timeout, maxAnswerBytes: maxAnswerBytes)
    }
}

struct PeerError: Error, CustomStringConvertible {
    var description: String
    /// The client hung up (EPIPE, ECONNRESET): it may, once it has seen enough.
    var clientClosed = false
    init(_ description: String, clientClosed: Bool = false) {
        self.description = description
        self.clientClosed = clientClosed
    }
}

/// The server's end of the connection.
final class Peer {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var decoder = HPACKDecoder()
    /// Frames seen by `readRequest`, in order (for assertions).
    private(set) var seen: [HTTP2Frame] = []

    init(fd: Int32) { self.fd = fd }

    struct Request {
        var headers: [(name: String, value: String)]
        var body: [UInt8]
        func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { throw PeerError(n == 0 ? "the client closed the connection" : "read failed: errno \(errno)") }
        buffer += chunk[..<n]
    }

    func readPreface() throws {
        while buffer.count < HTTP2Frame.clientPreface.count { try fill() }
        guard Array(buffer.prefix(HTTP2Frame.clientPreface.count)) == HTTP2Frame.clientPreface else {
            throw PeerError("no client preface")
        }
        buffer.removeFirst(HTTP2Frame.clientPreface.count)
    }

    func readFrame() throws -> HTTP2Frame {
        while true {
            if let frame = try HTTP2Frame.parse(&buffer, maxFrameSize: 1 << 24) { return frame }
            try fill()
        }
    }

    func send(_ frames: HTTP2Frame...) throws {
        try sendRaw(frames.flatMap { $0.encoded() })
    }

    func sendRaw(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw PeerError("write failed: errno \(errno)", clientClosed: errno == EPIPE || errno == ECONNRESET) }
            offset += n
        }
    }

    /// Preface, SETTINGS (answered with ours and an ACK), then frames until the
    /// request stream ends. `windowUpdates` sends WINDOW_UPDATE for DATA received,
    /// as a real server does for large requests.
    func readRequest(serverSettings: [(HTTP2Frame.Setting, UInt32)] = [], windowUpdates: Bool = true) throws -> Request {
        try readPreface()
        try send(.settings(serverSettings))
        var headers: [(name: String, value: String)] = []
        var block: [UInt8] = []
        var body: [UInt8] = []
        while true {
            let frame = try readFrame()
            seen.append(frame)
            switch frame.kind {
            case .settings where !frame.has(HTTP2Frame.Flag.ack):
                try send(HTTP2Frame(.settings, flags: HTTP2Frame.Flag.ack))
            case .headers, .continuation:
                block += frame.payload
                if frame.has(HTTP2Frame.Flag.endHeaders) {
                    headers = try decoder.decode(block)
                    block = []
                }
                if frame.has(HTTP2Frame.Flag.endStream) { return Request(headers: headers, body: body) }
            case .data:
                body += frame.payload
                if windowUpdates, !frame.payload.isEmpty {
                    try send(.windowUpdate(streamID: 0, increment: UInt32(frame.payload.count)),
                             .windowUpdate(streamID: 1, increment: UInt32(frame.payload.count)))
                }
                if frame.has(HTTP2Frame.Flag.endStream) { return Request(headers: headers, body: body) }
            default:
                break
            }
        }
    }

    /// Waits for the client to hang up (reads until EOF), ignoring frames.
    func drainUntilClosed() {
        while (try? fill()) != nil { buffer.removeAll() }
    }

    // MARK: answers

    static func block(_ headers: [(String, String)]) -> [UInt8] {
        HPACKEncoder.block(headers.map { (name: $0.0, value: $0.1) })
    }

    func sendHeaders(_ headers: [(String, String)], endStream: Bool = false) throws {
        let flags = HTTP2Frame.Flag.endHeaders | (endStream ? HTTP2Frame.Flag.endStream : 0)
        try send(HTTP2Frame(.headers, flags: flags, streamID: 1, payload: Self.block(headers)))
    }

    func sendData(_ bytes: [UInt8], endStream: Bool = false) throws {
        try send(HTTP2Frame(.data, flags: endStream ? HTTP2Frame.Flag.endStream : 0, streamID: 1, payload: bytes))
    }

    /// A complete successful answer: headers, one framed message, OK trailers.
    func answer(_ message: [UInt8]) throws {
        try sendHeaders([(":status", "200"), ("content-type", "application/grpc")])
        try sendData(GRPCFraming.frame(message))
        try sendHeaders([("grpc-status", "0")], endStream: true)
    }
}
