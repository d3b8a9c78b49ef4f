import Foundation
import Testing
@testable import UnaryGRPC

@Suite("one unary gRPC call against a scripted HTTP/2 server")
struct UnaryCallTests {
    @Test("the request: preface, SETTINGS, headers a gRPC server needs, one framed message; the answer's message comes back")
    func requestAndAnswer() throws {
        let requests = RequestBox()
        let server = try ScriptedHTTP2Server { peer in
            let request = try peer.readRequest()
            requests.set(request)
            // Answer headers split over HEADERS + CONTINUATION, using the dynamic table.
            let block = Peer.block([(":status", "200")]) + [0x40, 0x0C] + Array("content-type".utf8) + [0x10] + Array("application/grpc".utf8)
            try peer.send(HTTP2Frame(.headers, streamID: 1, payload: Array(block.prefix(3))),
                          HTTP2Frame(.continuation, flags: HTTP2Frame.Flag.endHeaders, streamID: 1, payload: Array(block.dropFirst(3))))
            let framed = GRPCFraming.frame(Array("answer".utf8))
            // The message in two DATA frames, the second padded.
            try peer.sendData(Array(framed.prefix(4)))
            try peer.send(HTTP2Frame(.data, flags: HTTP2Frame.Flag.padded, streamID: 1, payload: [3] + Array(framed.dropFirst(4)) + [0, 0, 0]))
            // Trailers naming the dynamic-table entry by index 62.
            try peer.send(HTTP2Frame(.headers, flags: HTTP2Frame.Flag.endHeaders | HTTP2Frame.Flag.endStream, streamID: 1,
                                     payload: [0xBE] + Peer.block([("grpc-status", "0")])))
        }
        defer { server.stop() }
        let answer = try server.call(timeout: .seconds(3)).call(Array("question".utf8))
        try server.finish()
        #expect(answer == Array("answer".utf8))
        let request = try #require(requests.get())
        #expect(request.header(":method") == "POST" && request.header(":scheme") == "http")
        #expect(request.header(":path") == "/test.Service/Call" && request.header(":authority") == "localhost")
        #expect(request.header("content-type") == "application/grpc" && request.header("te") == "trailers")
        #expect(request.header("grpc-timeout") == "3000m")
        #expect(request.body == GRPCFraming.frame(Array("question".utf8)))
    }

    @Test("a trailers-only error: grpc-status and the percent-decoded grpc-message")
    func trailersOnlyError() throws {
        let server = try ScriptedHTTP2Server { peer in
            _ = try peer.readRequest()
            try peer.sendHeaders([(":status", "200"), ("content-type", "application/grpc"), ("grpc-status", "5"),
                                  ("grpc-message", "pod caf%C3%A9 not found: 100%25 sure%2")], endStream: true)
        }
        defer { server.stop() }
        #expect(throws: UnaryGRPCError.status(code: 5, message: "pod café not found: 100% sure%2")) { try server.call().call([]) }
        try server.finish()
        #expect(UnaryGRPCError.status(code: 5, message: "gone").description == "grpc-status 5: gone (NOT_FOUND)")
    }

    @Test("flow control: a 1 MiB answer arrives only because the client sends WINDOW_UPDATE; SETTINGS and PING are acknowledged")
    func largeAnswerNeedsWindowUpdates() throws {
        let message = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let stats = RequestBox()
        let server = try ScriptedHTTP2Server { peer in
            _ = try peer.readRequest()
            try peer.send(HTTP2Frame(.ping, payload: [1, 2, 3, 4, 5, 6, 7, 8]))
            try peer.sendHeaders([(":status", "200"), ("content-type", "application/grpc")])
            var body = GRPCFraming.frame(message)[...]
            var connectionWindow = 65_535, streamWindow = 65_535
            var pingAcked = false, updates = 0
            while !body.isEmpty {
                let n = min(body.count, 16_384, connectionWindow, streamWindow)
                if n > 0 {
                    try peer.sendData(Array(body.prefix(n)))
                    body = body.dropFirst(n)
                    connectionWindow -= n
                    streamWindow -= n
                    continue
                }
                // Out of window, as a conforming server: wait for the client.
                let frame = try peer.readFrame()
                switch frame.kind {
                case .windowUpdate:
                    let increment = Int(BigEndian.uint32(frame.payload, at: 0))
                    if frame.streamID == 0 { connectionWindow += increment } else { streamWindow += increment }
                    updates += 1
                case .ping:
                    pingAcked = frame.has(HTTP2Frame.Flag.ack) && frame.payload == [1, 2, 3, 4, 5, 6, 7, 8]
                default:
                    break
                }
            }
            try peer.sendHeaders([("grpc-status", "0")], endStream: true)
            stats.set(.init(headers: [("updates", String(updates)), ("ping", String(pingAcked))], body: []))
            peer.drainUntilClosed()
        }
        defer { server.stop() }
        let answer = try server.call().call([])
        try server.finish()
        #expect(answer == message)
        let s = try #require(stats.get())
        #expect(Int(s.header("updates") ?? "0")! >= 2 * 15, "about one connection and one stream update per 32 KiB")
        #expect(s.header("ping") == "true")
    }

    @Test("a request larger than the windows and the frame size waits for the server's WINDOW_UPDATE")
    func largeRequest() throws {
        let request = [UInt8](repeating: 7, count: 200_000)
        let received = RequestBox()
        let server = try ScriptedHTTP2Server { peer in
            let r = try peer.readRequest(windowUpdates: true)
            received.set(r)
            try peer.answer([])
        }
        defer { server.stop() }
        #expect(try server.call().call(request) == [])
        try server.finish()
        #expect(received.get()?.body == GRPCFraming.frame(request))
    }

    @Test("GOAWAY before the stream was taken up fails the call; a graceful GOAWAY lets it finish")
    func goAway() throws {
        let refused = try ScriptedHTTP2Server { peer in
            _ = try peer.readRequest()
            try peer.send(.goAway(lastStreamID: 0, code: 0) )
        }
        defer { refused.stop() }
        #expect(throws: UnaryGRPCError.goAway(code: 0, lastStreamID: 0, debug: "")) { try refused.call().call([]) }
        try refused.finish()

        let closing = try ScriptedHTTP2Server { peer in
            _ = try peer.readRequest()
            try peer.send(HTTP2Frame(.goAway, payload: BigEndian.bytes(1) + BigEndian.bytes(0) + Array("restarting".utf8)))
            try peer.answer([42])
        }
        defer { closing.stop() }
        #expect(try closing.call().call([]) == [42])
        try closing.finish()

        let dropped = try ScriptedHTTP2Server { peer in
            _ = try peer.readRequest()
            try peer.send(HTTP2Frame(.goAway, payload: BigEndian.bytes(1) + BigEndian.bytes(11) + Array("too many pings".utf8)))
        }
        defer { dropped.stop() }
        let error = #expect(throws: UnaryGRPCError.self) { try dropped.call().call([]) }
        #expect(error?.description == "the server sent GOAWAY (ENHANCE_YOUR_CALM, last stream 1) before answering: too many pings")
        try dropped.finish()
    }

    @Test("RST_STREAM fails the call with its error code")
    func rstStream() throws {
        let server = try ScriptedHTTP2Server { peer in
            _ = try peer.readRequest()
            try peer.sendHeaders([(":status", "200"), ("content-type", "application/grpc")])
            try peer.send(.rstStream(streamID: 1, code: 8))
            peer.drainUntilClosed()
        }
        defer { server.stop() }
        let error = #expect(throws: UnaryGRPCError.streamReset(code: 8)) { try server.call().call([]) }
        #expect(error?.description == "the server reset the stream (RST_STREAM CANCEL)")
        try server.finish()
    }

    @Test("a server that never answers: the call ends at its deadline", arguments: [true, false])
    func deadline(sendsSettings: Bool) throws {
        let server = try ScriptedHTTP2Server { peer in
            if sendsSettings { _ = try peer.readRequest() }
            peer.drainUntilClosed()
        }
        defer { server.stop() }
        let start = Date()
        let error = #expect(throws: UnaryGRPCError.deadlineExceeded(milliseconds: 300, waitingFor: "the response headers")) {
            try server.call(timeout: .milliseconds(300)).call([])
        }
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed >= 0.29 && elapsed < 3, "\(elapsed) s")
        #expect(error?.description == "no answer within 300 ms (waiting for the response headers)")
        try server.finish()
    }

    @Test("answers over the size cap are refused as soon as the prefix announces them, or as the body grows")
    func oversizeAnswers() throws {
        let announced = try ScriptedHTTP2Server { peer in
            _ = try peer.readRequest()
            try peer.sendHeaders([(":status", "200"), ("content-type", "application/grpc")])
            try peer.sendData([0] + BigEndian.bytes(17 << 20))
            peer.drainUntilClosed()
        }
        defer { announced.stop() }
        let error = #expect(throws: UnaryGRPCError.answerTooLarge(bytes: 17 << 20, limit: 16 << 20)) { try announced.call().call([]) }
        #expect(error?.description == "the answer (17825792 bytes or more) exceeds the 16777216-byte limit")
        try announced.finish()

        let streamed = try ScriptedHTTP2Server { peer in
            _ = try peer.readRequest()
            try peer.sendHeaders([(":status", "200"), ("content-type", "application/grpc")])
            // Two small messages whose bytes together pass a 1000-byte cap.
            try peer.sendData(GRPCFraming.frame([UInt8](repeating: 1, count: 900)) + GRPCFraming.frame([UInt8](repeating: 2, count: 900)))
            peer.drainUntilClosed()
        }
        defer { streamed.stop() }
        #expect(throws: UnaryGRPCError.answerTooLarge(bytes: 1810, limit: 1000)) { try streamed.call(maxAnswerBytes: 1000).call([]) }
        try streamed.finish()
    }

    @Test("compressed messages, two messages, a missing grpc-status, HTTP errors and a non-gRPC content-type are errors")
    func badAnswers() throws {
        func expectAnswer(_ error: UnaryGRPCError, _ send: @escaping @Sendable (Peer) throws -> Void) throws {
            let server = try ScriptedHTTP2Server { peer in
                _ = try peer.readRequest()
                // The client may hang up at the first bad frame, before the rest is sent.
                do { try send(peer) } catch let failure as PeerError where failure.clientClosed {}
            }
            defer { server.stop() }
            #expect(throws: error) { try server.call().call([]) }
            try server.finish()
        }
        try expectAnswer(.compressedMessage) { peer in
            try peer.sendHeaders([(":status", "200"), ("content-type", "application/grpc"), ("grpc-encoding", "gzip")])
            try peer.sendData([1, 0, 0, 0, 1, 0x1F])
            try peer.sendHeaders([("grpc-status", "0")], endStream: true)
        }
        try expectAnswer(.malformedMessage("expected one response message, got 2")) { peer in
            try peer.sendHeaders([(":status", "200"), ("content-type", "application/grpc")])
            try peer.sendData(GRPCFraming.frame([1]) + GRPCFraming.frame([2]))
            try peer.sendHeaders([("grpc-status", "0")], endStream: true)
        }
        try expectAnswer(.notGRPC("the answer ended without grpc-status")) { peer in
            try peer.sendHeaders([(":status", "200"), ("content-type", "application/grpc")])
            try peer.sendData(GRPCFraming.frame([1]), endStream: true)
        }
        try expectAnswer(.httpStatus("404", contentType: "text/plain")) { peer in
            try peer.sendHeaders([(":status", "404"), ("content-type", "text/plain")], endStream: true)
        }
        try expectAnswer(.notGRPC("the answer's content-type is text/html, not application/grpc")) { peer in
            try peer.sendHeaders([(":status", "200"), ("content-type", "text/html")])
            try peer.sendData(Array("<html>".utf8), endStream: true)
        }
        try expectAnswer(.connectionClosed(waitingFor: "the end of the response")) { peer in
            try peer.sendHeaders([(":status", "200"), ("content-type", "application/grpc")])
        }
        try expectAnswer(.protocolViolation("PUSH_PROMISE although SETTINGS_ENABLE_PUSH is 0")) { peer in
            try peer.send(HTTP2Frame(.pushPromise, flags: HTTP2Frame.Flag.endHeaders, streamID: 1, payload: [0, 0, 0, 2]))
            peer.drainUntilClosed()
        }
    }

    @Test("no server, and a server speaking HTTP/1.1, are told apart")
    func wrongPeers() throws {
        let missing = "/tmp/unary-grpc-missing-\(UInt32.random(in: 0...UInt32.max)).sock"
        let error = #expect(throws: UnaryGRPCError.self) { try UnaryGRPCCall(socketPath: missing, method: "/a/b").call([]) }
        #expect(error?.description == "cannot connect to \(missing): No such file or directory")

        let http1 = try ScriptedHTTP2Server { peer in
            try peer.sendRaw(Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8))
            peer.drainUntilClosed()
        }
        defer { http1.stop() }
        #expect(throws: UnaryGRPCError.protocolViolation("the server answered in HTTP/1.x; it does not speak HTTP/2 with prior knowledge")) {
            try http1.call().call([])
        }
        try http1.finish()
    }

    @Test("grpc-timeout uses at most 8 digits")
    func grpcTimeoutHeader() {
        #expect(UnaryGRPCCall.grpcTimeout(200) == "200m")
        #expect(UnaryGRPCCall.grpcTimeout(100_000_000) == "100000S")
        #expect(UnaryGRPCCall(socketPath: "/x", method: "/a/b", timeout: .milliseconds(1500)).timeoutMilliseconds == 1500)
    }
}

final class RequestBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Peer.Request?
    func set(_ v: Peer.Request) { lock.lock(); value = v; lock.unlock() }
    func get() -> Peer.Request? { lock.lock(); defer { lock.unlock() }; return value }
}
