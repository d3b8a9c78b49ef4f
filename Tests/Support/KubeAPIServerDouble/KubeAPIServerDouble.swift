import CNISpec
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL
import Synchronization

/// A Kubernetes API server double for tests (the real one cannot run here).
///
/// It follows the API server's documented contract where the plugin depends
/// on it: HTTPS on 127.0.0.1 (ephemeral port) with HTTP/2 negotiated by ALPN
/// and HTTP/1.1 otherwise; bearer-token or client-certificate authentication
/// (401 `Status` otherwise); objects kept in memory by path; `Status` bodies
/// for errors (404 NotFound with details, 409 Conflict, 415, 422); LIST with
/// `fieldSelector`; JSON merge patch (RFC 7386); server-side apply with field
/// ownership, list-maps and conflicts (see `ServerSideApply`); PUT checked against
/// `metadata.resourceVersion`; every write bumps the resourceVersion; pods
/// `status` subresource keeps the spec. Tests can inject faults, stop it
/// (connections refused) and count requests and TCP connections.
package final class KubeAPIServerDouble: Sendable {
    /// Something to answer instead of (or besides) the normal response.
    package enum Fault: Sendable, Equatable {
        /// A `Status` failure with this code (500, 503, 403, 405, 409, …).
        case status(Int)
        /// 429 with `Retry-After: <seconds>`.
        case tooManyRequests(retryAfterSeconds: Int)
        /// Closes the connection without answering.
        case dropConnection
        /// Answers normally, then moves the object's resourceVersion on, as if
        /// another writer had updated it right after.
        case concurrentUpdate
        /// Answers normally with `Connection: close` and closes the connection, as a
        /// server going away does; requests pipelined behind it get no answer.
        case closeAfterAnswer
    }

    package struct RecordedRequest: Sendable, Equatable {
        package var method: String
        package var path: String
        package var query: [String: String]
        /// "HTTP/2.0" or "HTTP/1.1".
        package var httpVersion: String
        package var contentType: String?
        package var userAgent: String?
        package var authenticated: Bool
        package var body: String
    }

    struct FaultRule {
        var method: String?
        var path: String
        var prefix: Bool
        var fault: Fault
        var remaining: Int
    }

    struct State {
        var store = ObjectStore()
        var faults: [FaultRule] = []
        var requests: [RecordedRequest] = []
        var connections = 0
        var unavailableAPIs: Set<String> = []
        var tokens: Set<String>
        var acceptClientCertificates = true
        var open: [ObjectIdentifier: any Channel] = [:]
        var listener: (any Channel)?
        var port = 0
        /// Open WATCH streams, by id.
        var watchers: [Int: Watcher] = [:]
        var nextWatchID = 1
        /// How many of `store.changes` have been sent to the watchers.
        var published = 0
        /// Bodies sent with chunked transfer coding (in three pieces) instead of Content-Length.
        var chunkedResponses = false
    }

    package let pki: TestPKI
    let state: Mutex<State>
    private let group: MultiThreadedEventLoopGroup
    private let sslContext: NIOSSLContext
    /// Serving plain `http://` (no TLS, HTTP/1.1 only).
    package let plainHTTP: Bool

    /// Starts a double serving `pki`'s server certificate and accepting `tokens`
    /// and client certificates issued by `pki`'s CA. `plainHTTP` serves http://
    /// without TLS (tokens only). `http2: false` offers only
    /// http/1.1 in ALPN, like an old API server or a proxy in front of it.
    package static func start(pki: TestPKI, tokens: Set<String> = ["test-token"], http2: Bool = true,
                              plainHTTP: Bool = false) async throws -> KubeAPIServerDouble
    {
        let double = try KubeAPIServerDouble(pki: pki, tokens: tokens, http2: http2, plainHTTP: plainHTTP)
        do {
            try await double.bind(port: 0)
        } catch {
            try? await double.group.shutdownGracefully()
            throw error
        }
        return double
    }

    private init(pki: TestPKI, tokens: Set<String>, http2: Bool, plainHTTP: Bool) throws {
        self.pki = pki
        self.plainHTTP = plainHTTP
        state = Mutex(State(tokens: tokens))
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(pki.serverCertificatePath).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: pki.serverKeyPath, format: .pem)))
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(pki.caCertificatePath))
        // Verify a client certificate when one is offered; tokens work without one.
        tls.certificateVerification = .optionalVerification
        tls.applicationProtocols = http2 ? ["h2", "http/1.1"] : ["http/1.1"]
        sslContext = try NIOSSLContext(configuration: tls)
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    // MARK: lifecycle

    package var port: Int { state.withLock { $0.port } }
    package var serverURL: String { "\(plainHTTP ? "http" : "https")://127.0.0.1:\(port)" }

    /// Whether bodies are sent chunked (see `State.chunkedResponses`).
    package func setChunkedResponses(_ chunked: Bool) { state.withLock { $0.chunkedResponses = chunked } }
    var chunkedResponses: Bool { state.withLock { $0.chunkedResponses } }

    private func bind(port: Int) async throws {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in self.initialize(connection: channel) }
            .bind(host: "127.0.0.1", port: port).get()
        let bound = channel.localAddress?.port ?? port
        state.withLock {
            $0.listener = channel
            $0.port = bound
        }
    }

    /// Closes the listening socket and every open connection: from now on
    /// connections are refused, until `restart()`.
    package func stop() async {
        let (listener, open) = state.withLock { s in
            let taken = (s.listener, Array(s.open.values))
            s.listener = nil
            return taken
        }
        try? await listener?.close().get()
        for channel in open { try? await channel.close().get() }
    }

    /// Listens again on the same port.
    package func restart() async throws {
        try await bind(port: port)
    }

    package func shutdown() async {
        await stop()
        try? await group.shutdownGracefully()
    }

    // MARK: seeding and inspection

    /// Stores a manifest (Pod, NetworkAttachmentDefinition, ResourceClaim,
    /// ResourceSlice, …) at the path its apiVersion/kind/namespace/name give.
    /// Returns that path.
    @discardableResult
    package func seed(_ object: JSONValue) -> String {
        guard let path = ObjectStore.path(of: object) else {
            preconditionFailure("seeded object needs apiVersion, kind and metadata.name: \(object.serialized)")
        }
        state.withLock {
            $0.store.seed(object, at: path)
            $0.publishChanges()
        }
        return path
    }

    /// Stores `object` at exactly `path`, as given (resourceVersion set if missing).
    package func seed(_ object: JSONValue, at path: String) {
        state.withLock {
            $0.store.seed(object, at: path)
            $0.publishChanges()
        }
    }

    package func object(at path: String) -> JSONValue? { state.withLock { $0.store.objects[path] } }

    /// Server-side apply's field managers of an object and what each owns (paths as `.status.devices[…].networkData`).
    package func fieldManagers(at path: String) -> [String: [String]] {
        state.withLock { s in
            var out: [String: [String]] = [:]
            for (manager, owned) in s.store.owners[path]?.managers ?? [:] {
                out[manager.name, default: []] += owned.map(ServerSideApply.describe)
            }
            return out.mapValues { $0.sorted() }
        }
    }

    /// The objects directly under a collection path, sorted by path.
    package func objects(in collectionPath: String) -> [JSONValue] {
        let prefix = collectionPath.hasSuffix("/") ? collectionPath : collectionPath + "/"
        return state.withLock { s in
            s.store.objects.filter { $0.key.hasPrefix(prefix) && !$0.key.dropFirst(prefix.count).contains("/") }
                .sorted { $0.key < $1.key }.map(\.value)
        }
    }

    /// Deletes the object (watchers see DELETED).
    package func deleteObject(at path: String) {
        state.withLock {
            $0.store.remove(at: path)
            $0.publishChanges()
        }
    }

    /// Changes a stored object in place and bumps its resourceVersion, as an
    /// Update by the manager "test" (fields it changes are no longer an apply manager's).
    package func updateObject(at path: String, _ change: @Sendable (inout JSONValue) -> Void) {
        state.withLock { s in
            guard let current = s.store.objects[path] else { return }
            var object = current
            change(&object)
            if let api = APIPath(path) {
                s.store.recordUpdate(at: path, from: current, to: &object, resource: api.resource, manager: "test",
                                     subresource: "", apiVersion: api.groupVersion)
            }
            object["metadata"]?["resourceVersion"] = .string(s.store.nextResourceVersion())
            s.store.store(object, at: path)
            s.publishChanges()
        }
    }

    /// Makes a group/version ("resource.k8s.io/v1") answer as if not served.
    package func setUnavailable(_ groupVersion: String) { state.withLock { _ = $0.unavailableAPIs.insert(groupVersion) } }

    package func setTokens(_ tokens: Set<String>) { state.withLock { $0.tokens = tokens } }
    package func setAcceptsClientCertificates(_ accept: Bool) { state.withLock { $0.acceptClientCertificates = accept } }

    /// The next `count` requests (of `method`, if given) to `path` (or anything
    /// under it when `prefix`) get `fault`.
    package func injectFault(_ fault: Fault, method: String? = nil, path: String, prefix: Bool = false, count: Int = 1) {
        state.withLock { $0.faults.append(FaultRule(method: method, path: path, prefix: prefix, fault: fault, remaining: count)) }
    }

    package func clearFaults() { state.withLock { $0.faults.removeAll() } }

    package var requests: [RecordedRequest] { state.withLock { $0.requests } }

    /// Requests seen (authenticated or not) whose path starts with `pathPrefix`.
    package func requestCount(method: String? = nil, pathPrefix: String = "/") -> Int {
        state.withLock { s in
            s.requests.filter { ($0.method == method || method == nil) && $0.path.hasPrefix(pathPrefix) }.count
        }
    }

    /// TCP connections accepted since start (or `resetCounters`).
    package var connectionCount: Int { state.withLock { $0.connections } }

    package func resetCounters() {
        state.withLock {
            $0.requests.removeAll()
            $0.connections = 0
        }
    }

    // MARK: serving

    private func initialize(connection channel: any Channel) -> EventLoopFuture<Void> {
        let id = ObjectIdentifier(channel)
        state.withLock {
            $0.connections += 1
            $0.open[id] = channel
        }
        channel.closeFuture.whenComplete { [self] _ in _ = state.withLock { $0.open.removeValue(forKey: id) } }
        if plainHTTP {
            return channel.pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true).flatMapThrowing {
                try channel.pipeline.syncOperations.addHandler(RequestHandler(double: self, connection: channel))
            }
        }
        do {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return channel.configureHTTP2SecureUpgrade(
            h2ChannelConfigurator: { [self] connection in
                connection.configureHTTP2Pipeline(mode: .server, inboundStreamInitializer: { [self] stream in
                    do {
                        try stream.pipeline.syncOperations.addHandlers([
                            HTTP2FramePayloadToHTTP1ServerCodec(),
                            RequestHandler(double: self, connection: connection),
                        ])
                        return stream.eventLoop.makeSucceededVoidFuture()
                    } catch {
                        return stream.eventLoop.makeFailedFuture(error)
                    }
                }).map { _ in }
            },
            http1ChannelConfigurator: { [self] connection in
                // Pipelined requests are answered in order, one at a time (RFC 9112 §9.3).
                connection.pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true).flatMapThrowing {
                    try connection.pipeline.syncOperations.addHandler(RequestHandler(double: self, connection: connection))
                }
            })
    }

    /// One complete request → the answer. Runs under the lock, so concurrent
    /// requests see a consistent store.
    func respond(method: String, target: String, version: String, headers: HTTPHeaders, body: [UInt8],
                 clientCertificate: Bool, channel: (any Channel)? = nil) -> DoubleResponse
    {
        let (path, query) = DoubleRequest.splitTarget(target)
        let authorization = headers.first(name: "Authorization")
        return state.withLock { s in
            defer { s.publishChanges() }
            let token = authorization.flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
            let authenticated = (token.map { s.tokens.contains($0) } ?? false)
                || (clientCertificate && s.acceptClientCertificates)
            s.requests.append(RecordedRequest(
                method: method, path: path, query: query, httpVersion: version,
                contentType: headers.first(name: "Content-Type"), userAgent: headers.first(name: "User-Agent"),
                authenticated: authenticated, body: String(decoding: body, as: UTF8.self)))
            guard authenticated else { return .status(401, reason: "Unauthorized", message: "Unauthorized") }

            let request = DoubleRequest(
                method: method, path: path, query: query, contentType: headers.first(name: "Content-Type"), body: body
            ).decodingProtobuf(store: s.store)
            if let index = s.faults.firstIndex(where: { rule in
                (rule.method == nil || rule.method == method) && (rule.prefix ? path.hasPrefix(rule.path) : path == rule.path)
            }) {
                let fault = s.faults[index].fault
                s.faults[index].remaining -= 1
                if s.faults[index].remaining <= 0 { s.faults.remove(at: index) }
                switch fault {
                case .status(let code):
                    return .status(code, reason: Self.reason(code), message: "injected fault \(code) on \(method) \(path)")
                case .tooManyRequests(let seconds):
                    var response = DoubleResponse.status(
                        429, reason: "TooManyRequests", message: "Too many requests, please try again later.",
                        details: ["retryAfterSeconds": .int(seconds)])
                    response.headers.append(("Retry-After", String(seconds)))
                    return response
                case .dropConnection:
                    return DoubleResponse(status: 0, body: [], dropConnection: true)
                case .closeAfterAnswer:
                    var response = s.store.handle(request, unavailableAPIs: s.unavailableAPIs)
                    response.headers.append(("Connection", "close"))
                    return response
                case .concurrentUpdate:
                    let response = s.store.handle(request, unavailableAPIs: s.unavailableAPIs)
                    if let objectPath = APIPath(path)?.objectPath { s.store.bumpResourceVersion(at: objectPath) }
                    return response
                }
            }
            if method == "GET", let watch = request.query["watch"], watch == "1" || watch == "true" {
                return s.startWatch(request, channel: channel)
            }
            return s.store.handle(request, unavailableAPIs: s.unavailableAPIs)
        }
    }

    static func reason(_ code: Int) -> String {
        switch code {
        case 400: "BadRequest"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "NotFound"
        case 405: "MethodNotAllowed"
        case 409: "Conflict"
        case 415: "UnsupportedMediaType"
        case 422: "Invalid"
        case 429: "TooManyRequests"
        case 500: "InternalError"
        case 503: "ServiceUnavailable"
        case 504: "Timeout"
        default: "Unknown"
        }
    }
}
