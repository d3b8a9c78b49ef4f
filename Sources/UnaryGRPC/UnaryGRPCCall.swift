import SystemSupport

/// One unary gRPC call over a unix socket, synchronous: connect, HTTP/2 with
/// prior knowledge, one stream carrying the request message, the answer read
/// until the stream ends, the connection closed. Every wait is bounded by one
/// deadline for the whole call, which the server also learns (grpc-timeout).
///
///     let answer = try UnaryGRPCCall(socketPath: sock, method: "/v1.PodResourcesLister/List").call([])
package struct UnaryGRPCCall: Sendable {
    package var socketPath: String
    /// `/package.Service/Method`
    package var method: String
    package var timeout: Duration
    /// The largest response message accepted.
    package var maxAnswerBytes: Int
    package var authority = "localhost"
    package var userAgent = "multus-swift"
    /// Extra request metadata (lower-case names).
    package var metadata: [(name: String, value: String)] = []

    package static let defaultMaxAnswerBytes = 16 << 20

    package init(socketPath: String, method: String, timeout: Duration = .seconds(10),
                maxAnswerBytes: Int = UnaryGRPCCall.defaultMaxAnswerBytes) {
        self.socketPath = socketPath
        self.method = method
        self.timeout = timeout
        self.maxAnswerBytes = maxAnswerBytes
    }

    var timeoutMilliseconds: Int {
        let (seconds, attoseconds) = timeout.components
        return max(1, Int(clamping: seconds) &* 1000 &+ Int(attoseconds / 1_000_000_000_000_000))
    }

    /// The response message's bytes.
    package func call(_ request: [UInt8]) throws(UnaryGRPCError) -> [UInt8] {
        let deadline = Deadline.after(.milliseconds(timeoutMilliseconds))
        let socket = try UnixSocket.connect(path: socketPath, deadline: deadline)
        defer { socket.close() }
        var exchange = HTTP2Exchange(socket: socket, deadline: deadline, maxAnswerBytes: maxAnswerBytes)
        let answer = try exchange.run(headerBlock: HPACKEncoder.block(requestHeaders()), body: GRPCFraming.frame(request))
        return try answer.message(limit: maxAnswerBytes)
    }

    func requestHeaders() -> [(name: String, value: String)] {
        [(":method", "POST"), (":scheme", "http"), (":path", method), (":authority", authority),
         ("content-type", "application/grpc"), ("te", "trailers"), ("grpc-timeout", Self.grpcTimeout(timeoutMilliseconds)),
         ("user-agent", userAgent)] + metadata
    }

    /// At most 8 digits and a unit (PROTOCOL-HTTP2.md).
    static func grpcTimeout(_ milliseconds: Int) -> String {
        milliseconds <= 99_999_999 ? "\(milliseconds)m" : "\(min(99_999_999, milliseconds / 1000))S"
    }
}
