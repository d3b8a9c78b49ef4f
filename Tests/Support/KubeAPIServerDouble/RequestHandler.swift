import NIOCore
import NIOHTTP1
import NIOSSL

/// HTTP/1.1 requests, and HTTP/2 streams turned into HTTP/1-style parts.
final class RequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let double: KubeAPIServerDouble
    /// The TCP connection (the parent of an HTTP/2 stream), where TLS lives.
    private let connection: any Channel
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(double: KubeAPIServerDouble, connection: any Channel) {
        self.double = double
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(var buffer):
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let head else { return }
            self.head = nil
            let tls = try? connection.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self)
            let version = head.version.major == 2 ? "HTTP/2.0" : "HTTP/\(head.version.major).\(head.version.minor)"
            let response = double.respond(
                method: head.method.rawValue, target: head.uri, version: version, headers: head.headers, body: body,
                clientCertificate: tls?.peerCertificate != nil, channel: context.channel)
            if response.dropConnection {
                connection.close(promise: nil)
                return
            }
            if let watch = response.watch {
                startStream(context: context, head: head, response: response, watch: watch)
                return
            }
            var headers = HTTPHeaders(response.headers)
            let chunked = double.chunkedResponses && head.version.major == 1
            if !chunked { headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count)) }
            let keepAlive = (head.version.major == 2 || head.isKeepAlive) && headers.first(name: "Connection") != "close"
            if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(
                    version: head.version, status: HTTPResponseStatus(statusCode: response.status), headers: headers))),
                promise: nil)
            // Chunked: NIO frames each body part as a chunk when there is no Content-Length.
            let pieces = chunked ? 3 : 1
            let size = (response.body.count + pieces - 1) / max(pieces, 1)
            for start in stride(from: 0, to: response.body.count, by: max(size, 1)) {
                let piece = response.body[start..<min(start + size, response.body.count)]
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: piece)))), promise: nil)
            }
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !keepAlive {
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                done.whenComplete { _ in loopBound.value.close(promise: nil) }
            }
        }
    }

    /// A WATCH: the head without Content-Length (NIO frames the body as chunked
    /// on HTTP/1.1), the first events, then whatever the double sends later.
    private func startStream(context: ChannelHandlerContext, head: HTTPRequestHead, response: DoubleResponse,
                             watch: DoubleResponse.WatchStream) {
        var headers = HTTPHeaders(response.headers)
        headers.remove(name: "Content-Length")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))),
                      promise: nil)
        if !response.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
        }
        guard let id = watch.id else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        context.flush()
        let double = self.double
        context.channel.closeFuture.whenComplete { _ in double.forgetWatch(id) }
        if let seconds = watch.timeoutSeconds {
            context.eventLoop.scheduleTask(in: .seconds(Int64(seconds))) { double.endWatch(id) }
        }
    }
}
