import SystemSupport

/// Where and how to reach the API server: the parts of `ServerURL` a
/// connection needs, and the TLS context (nil for plain http).
struct Endpoint: Sendable {
    /// `https://host:port`, for messages.
    var server: String
    var host: String
    var port: Int
    /// The Host header: the server's host (and port unless the default).
    var hostHeader: String
    /// The name the server certificate must carry: tls-server-name, else the host.
    var verifyName: String
    var tls: TLSContext?
    var pathPrefix: String

    init(url: ServerURL, tlsServerName: String?, tls: TLSContext?) {
        server = url.string()
        host = url.host
        port = url.port ?? url.defaultPort
        let bracketed = url.host.utf8.contains(0x3A) ? "[\(url.host)]" : url.host
        hostHeader = url.port.map { "\(bracketed):\($0)" } ?? bracketed
        verifyName = tlsServerName ?? url.host
        self.tls = url.scheme == "https" ? tls : nil
        pathPrefix = url.pathPrefix
    }
}

/// One kept-alive HTTP/1.1 connection. Requests are pipelined: all of a batch
/// are written at once, then the answers are read in order (RFC 9112 §9.3),
/// so independent reads cost one round trip together.
final class HTTPConnection {
    let endpoint: Endpoint
    private let stream: any ByteStream
    private var reader: HTTPResponseReader
    private(set) var isOpen = true

    private init(endpoint: Endpoint, stream: any ByteStream) {
        self.endpoint = endpoint
        self.stream = stream
        reader = HTTPResponseReader(stream: stream, server: endpoint.server)
    }

    deinit { close() }

    /// TCP connect, then the TLS handshake when the endpoint has TLS.
    static func open(_ endpoint: Endpoint, deadline: Deadline) throws(TransportError) -> HTTPConnection {
        let socket = try TCPSocket.connect(host: endpoint.host, port: endpoint.port, server: endpoint.server,
                                           deadline: deadline)
        guard let tls = endpoint.tls else { return HTTPConnection(endpoint: endpoint, stream: socket) }
        let stream = try TLSStream(socket: socket, context: tls, verifyName: endpoint.verifyName,
                                   server: endpoint.server, deadline: deadline)
        return HTTPConnection(endpoint: endpoint, stream: stream)
    }

    /// Sends every request, then reads the answers in order. The answers are
    /// those that came before a failure (if any); the failure explains why the
    /// rest got none. After a failure or a `Connection: close` the connection is
    /// closed.
    func exchange(_ requests: [HTTPRequest], maximumBody: Int, deadline: Deadline)
        -> (responses: [HTTPResponse], failure: TransportError?)
    {
        guard isOpen else { return ([], TransportError(.broken, "\(endpoint.server) closed the connection")) }
        var bytes: [UInt8] = []
        for request in requests { bytes += request.serialized(host: endpoint.hostHeader) }
        var writeFailure: TransportError?
        do {
            try stream.write(bytes, deadline: deadline)
        } catch {
            // The server may have answered some before it closed: read what is there.
            writeFailure = error
        }
        var responses: [HTTPResponse] = []
        for request in requests {
            do {
                let response = try reader.readResponse(method: request.method, maximumBody: maximumBody, deadline: deadline)
                responses.append(response)
                if !response.head.keepsAlive {
                    close()
                    if responses.count < requests.count {
                        return (responses, TransportError(.broken, "\(endpoint.server) closed the connection"))
                    }
                }
            } catch {
                close()
                return (responses, writeFailure ?? error)
            }
        }
        return (responses, nil)
    }

    /// Sends one request and hands its body to `sink` as it arrives, each read
    /// waiting at most `idleTimeout`, until the body ends or `sink` answers
    /// false. For WATCH: the connection is closed afterwards, never reused.
    func stream(_ request: HTTPRequest, headDeadline: Deadline, idleTimeout: Duration,
                onHead: (HTTPResponseHead) throws(KubeError) -> Void,
                sink: (ArraySlice<UInt8>) throws(KubeError) -> Bool) throws(KubeError)
    {
        defer { close() }
        let head: HTTPResponseHead
        do throws(TransportError) {
            try stream.write(request.serialized(host: endpoint.hostHeader), deadline: headDeadline)
            head = try reader.readHead(deadline: headDeadline)
        } catch {
            throw .transport("\(request.method) \(request.target): \(error.message)")
        }
        try onHead(head)
        reader.idleTimeout = idleTimeout
        var failure: KubeError?
        var stopped = false
        do throws(TransportError) {
            try reader.readBody(head, method: request.method, deadline: headDeadline) { (piece) throws(TransportError) in
                do throws(KubeError) {
                    if try sink(piece) { return }
                    stopped = true
                } catch {
                    failure = error
                }
                throw TransportError(.other, "stopped")  // unwinds the read loop; not reported
            }
        } catch {
            if let failure { throw failure }
            if stopped { return }
            throw .transport("\(request.method) \(request.target): \(error.message)")
        }
    }

    func close() {
        guard isOpen else { return }
        isOpen = false
        stream.close()
    }
}
