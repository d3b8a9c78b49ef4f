import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix

/// One unary gRPC call over a unix socket: HTTP/2 with prior knowledge, one
/// stream, request headers + one framed message, response headers, framed
/// body and `grpc-status` trailers. Enough for kubelet's pod-resources `List`
/// without a gRPC library.
struct GRPCUnaryCall: Sendable {
    var socketPath: String
    /// `/package.Service/Method`
    var method: String
    var timeout: TimeAmount = .seconds(10)

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The response message's bytes.
    func call(_ request: [UInt8]) async throws(Failure) -> [UInt8] {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        // HTTP/2 goes into the pipeline before the socket connects: the server's
        // SETTINGS may arrive at once, and bytes read before the handler is
        // there would be lost.
        let multiplexer = loop.makePromise(of: NIOHTTP2Handler.StreamMultiplexer.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        multiplexer.succeed(try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                            mode: .client, connectionConfiguration: .init(), streamConfiguration: .init(),
                            inboundStreamInitializer: { $0.close() }))
                    }
                }
                .connect(unixDomainSocketPath: socketPath).get()
        } catch {
            multiplexer.fail(error)
            throw Failure(description: "cannot connect: \(error)")
        }
        let promise = loop.makePromise(of: UnaryResponse.self)
        let timeout = self.timeout
        let deadline = loop.scheduleTask(in: timeout) {
            promise.fail(Failure(description: "no answer within \(timeout.nanoseconds / 1_000_000) ms"))
        }
        let head = requestHeaders()
        let body = GRPCFraming.frame(request)
        multiplexer.futureResult.whenComplete { result in
            switch result {
            case .success(let multiplexer):
                multiplexer.createStreamChannel(promise: nil) { stream in
                    stream.eventLoop.makeCompletedFuture {
                        try stream.pipeline.syncOperations.addHandler(UnaryStreamHandler(head: head, body: body, promise: promise))
                    }
                }
            case .failure(let error):
                promise.fail(error)
            }
        }
        let outcome: Result<UnaryResponse, any Error>
        do { outcome = .success(try await promise.futureResult.get()) } catch { outcome = .failure(error) }
        deadline.cancel()
        try? await channel.close()
        switch outcome {
        case .failure(let error as Failure): throw error
        case .failure(let error): throw Failure(description: "\(error)")
        case .success(let response): return try response.message()
        }
    }

    private func requestHeaders() -> HPACKHeaders {
        HPACKHeaders([
            (":method", "POST"), (":scheme", "http"), (":path", method), (":authority", "localhost"),
            ("content-type", "application/grpc"), ("te", "trailers"),
            ("grpc-timeout", "\(max(1, timeout.nanoseconds / 1_000_000))m"),
            ("user-agent", "multus-swift"),
        ])
    }
}

/// What came back on the stream.
struct UnaryResponse: Sendable {
    var status: String?
    var body: [UInt8]
    var grpcStatus: String?
    var grpcMessage: String?

    func message() throws(GRPCUnaryCall.Failure) -> [UInt8] {
        if let status, status != "200" { throw .init(description: "HTTP status \(status)") }
        guard let grpcStatus else { throw .init(description: "the answer has no grpc-status") }
        guard grpcStatus == "0" else {
            throw .init(description: "grpc-status \(grpcStatus)\(grpcMessage.map { ": \(Self.percentDecoded($0))" } ?? "")")
        }
        let messages: [[UInt8]]
        do { messages = try GRPCFraming.messages(in: body) } catch { throw .init(description: error.description) }
        guard messages.count == 1, let only = messages.first else {
            throw .init(description: "expected one response message, got \(messages.count)")
        }
        return only
    }

    /// grpc-message is percent-encoded.
    static func percentDecoded(_ text: String) -> String {
        var out: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "%"), bytes.count >= 2,
               let v = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) {
                out.append(v)
                bytes.removeFirst(2)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Sends the request when the stream becomes active; collects headers, data
/// and trailers; completes the promise when the server ends the stream.
final class UnaryStreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private let head: HPACKHeaders
    private let body: [UInt8]
    private let promise: EventLoopPromise<UnaryResponse>
    private var response = UnaryResponse(status: nil, body: [], grpcStatus: nil, grpcMessage: nil)
    private var sawHeaders = false

    init(head: HPACKHeaders, body: [UInt8], promise: EventLoopPromise<UnaryResponse>) {
        self.head = head
        self.body = body
        self.promise = promise
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { send(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        send(context)
        context.fireChannelActive()
    }

    private var sent = false
    private func send(_ context: ChannelHandlerContext) {
        guard !sent else { return }
        sent = true
        context.write(wrapOutboundOut(.headers(.init(headers: head))), promise: nil)
        let buffer = context.channel.allocator.buffer(bytes: body)
        context.writeAndFlush(wrapOutboundOut(.data(.init(data: .byteBuffer(buffer), endStream: true))), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .headers(let frame):
            if !sawHeaders {
                sawHeaders = true
                response.status = frame.headers.first(name: ":status")
            }
            // Trailers, or the whole answer in one HEADERS frame (trailers-only).
            if let status = frame.headers.first(name: "grpc-status") { response.grpcStatus = status }
            if let message = frame.headers.first(name: "grpc-message") { response.grpcMessage = message }
            if frame.endStream { promise.succeed(response) }
        case .data(let frame):
            if case .byteBuffer(var buffer) = frame.data, let bytes = buffer.readBytes(length: buffer.readableBytes) {
                response.body += bytes
            }
            if frame.endStream { promise.succeed(response) }
        case .rstStream(let code):
            promise.fail(GRPCUnaryCall.Failure(description: "stream reset by the server (\(code))"))
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(GRPCUnaryCall.Failure(description: "the connection closed before the answer was complete"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}
