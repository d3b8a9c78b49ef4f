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
                clientCertificate: tls?.peerCertificate != nil)
            if response.dropConnection {
                connection.close(promise: nil)
                return
            }
            var headers = HTTPHeaders(response.headers)
            headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
            let keepAlive = head.version.major == 2 || head.isKeepAlive
            if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(
                    version: head.version, status: HTTPResponseStatus(statusCode: response.status), headers: headers))),
                promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !keepAlive {
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                done.whenComplete { _ in loopBound.value.close(promise: nil) }
            }
        }
    }
}
