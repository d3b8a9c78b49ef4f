import AsyncHTTPClient
import CNISpec
import NIOCore
import NIOPosix
import NIOSSL

/// A small Kubernetes REST client for one invocation of the plugin: one
/// `HTTPClient` on a one-thread event loop, at most one connection to the API
/// server (HTTP/2 via ALPN multiplexes concurrent requests on it; an HTTP/1.1
/// server gets them one after another on a kept-alive connection), bearer or
/// client-certificate auth, `Status` bodies decoded into `KubeError.status`,
/// and bounded retries of transient failures.
///
/// Call `shutdown()` once when done.
package final class KubeClient: Sendable {
    package struct Options: Sendable {
        /// One attempt: connect, send, and read the whole answer.
        package var requestTimeout: Duration
        /// Retries of one call end this long after the call began (a `Retry-After`
        /// that reaches past it ends them at once). One attempt in flight may run on
        /// to `requestTimeout`.
        package var retryBudget: Duration
        package var initialBackoff: Duration
        package var maximumBackoff: Duration
        package var maximumResponseBytes: Int
        package var userAgent: String

        package init(
            requestTimeout: Duration = .seconds(10),
            retryBudget: Duration = .seconds(5),
            initialBackoff: Duration = .milliseconds(100),
            maximumBackoff: Duration = .seconds(1),
            maximumResponseBytes: Int = 64 << 20,
            userAgent: String = "multus-swift"
        ) {
            self.requestTimeout = requestTimeout
            self.retryBudget = retryBudget
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
            self.maximumResponseBytes = maximumResponseBytes
            self.userAgent = userAgent
        }
    }

    package let server: String
    package let options: Options
    private let baseURL: String
    private let authorization: String?
    private let group: MultiThreadedEventLoopGroup
    private let http: HTTPClient

    package init(config: KubeClientConfig, options: Options = Options()) throws(KubeError) {
        let url = try ServerURL(parsing: config.server, source: config.source)
        self.server = url.string()
        self.options = options
        self.authorization = config.bearerToken.map { "Bearer \($0)" }

        var configuration = HTTPClient.Configuration(
            tlsConfiguration: try Self.tlsConfiguration(config),
            redirectConfiguration: .disallow,
            timeout: .init(connect: TimeAmount(options.requestTimeout), read: TimeAmount(options.requestTimeout)),
            connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 1),
            decompression: .disabled
        )
        // Our own retry loop handles refused connections within the call's budget.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.httpVersion = .automatic
        if let name = config.tlsServerName, name != url.host, url.scheme == "https" {
            // Ask for and verify `name`, but connect to the configured host.
            configuration.dnsOverride = [name: url.host]
            baseURL = url.string(host: name)
        } else {
            baseURL = url.string()
        }
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        http = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: configuration)
    }

    static func tlsConfiguration(_ config: KubeClientConfig) throws(KubeError) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if config.insecureSkipTLSVerify { tls.certificateVerification = .none }
        do {
            if let ca = config.certificateAuthorityPEM {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(ca))
            }
        } catch {
            throw .configuration("\(config.source): certificate authority is not a valid PEM certificate")
        }
        if let certificate = config.clientCertificatePEM, let key = config.clientKeyPEM {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(certificate).map { .certificate($0) }
            } catch {
                throw .configuration("\(config.source): client certificate is not a valid PEM certificate")
            }
            do {
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key, format: .pem))
            } catch {
                throw .configuration("\(config.source): client key is not a valid PEM private key")
            }
        }
        tls.applicationProtocols = ["h2", "http/1.1"]
        return tls
    }

    // MARK: verbs

    package func get(_ path: String) async throws(KubeError) -> JSONValue {
        try await send(.get, path)
    }

    /// The `items` of a LIST. Selectors are URL-encoded here.
    package func list(_ path: String, fieldSelector: String? = nil, labelSelector: String? = nil) async throws(KubeError)
        -> [JSONValue]
    {
        var query: [String] = []
        if let fieldSelector { query.append("fieldSelector=" + URLEncoding.queryValue(fieldSelector)) }
        if let labelSelector { query.append("labelSelector=" + URLEncoding.queryValue(labelSelector)) }
        let full = query.isEmpty ? path : path + (path.contains("?") ? "&" : "?") + query.joined(separator: "&")
        let list = try await send(.get, full)
        guard let items = list["items"] else {
            throw .decoding("GET \(full): expected a list with items, got \(list.kindName)")
        }
        if items.isNull { return [] }
        guard let array = items.arrayValue else { throw .decoding("GET \(full): items is \(items.kindName)") }
        return array
    }

    /// JSON merge patch (RFC 7386), `application/merge-patch+json`.
    package func patch(_ path: String, mergePatch: JSONValue) async throws(KubeError) -> JSONValue {
        try await send(.patch, path, body: mergePatch, contentType: "application/merge-patch+json")
    }

    package func put(_ path: String, _ body: JSONValue) async throws(KubeError) -> JSONValue {
        try await send(.put, path, body: body, contentType: "application/json")
    }

    package func post(_ path: String, _ body: JSONValue) async throws(KubeError) -> JSONValue {
        try await send(.post, path, body: body, contentType: "application/json")
    }

    /// Closes the connection and stops the event loop thread.
    package func shutdown() async {
        try? await http.shutdown()
        try? await group.shutdownGracefully()
    }

    // MARK: one call, with retries

    enum Method: String, Sendable { case get = "GET", put = "PUT", patch = "PATCH", post = "POST" }

    enum Outcome {
        case success(JSONValue)
        case retry(KubeError, after: Duration?)
        case failure(KubeError)
    }

    private func send(_ method: Method, _ path: String, body: JSONValue? = nil, contentType: String? = nil)
        async throws(KubeError) -> JSONValue
    {
        let clock = ContinuousClock()
        let start = clock.now
        var backoff = options.initialBackoff
        var attempts = 0
        while true {
            attempts += 1
            switch await attempt(method, path, body: body, contentType: contentType) {
            case .success(let value):
                return value
            case .failure(let error):
                throw error
            case .retry(let error, let retryAfter):
                let remaining = options.retryBudget - start.duration(to: clock.now)
                let delay: Duration
                if let retryAfter {
                    // The server said when; asking sooner would only be refused again.
                    guard retryAfter <= remaining else {
                        throw exhausted(error, attempts: attempts, elapsed: start.duration(to: clock.now))
                    }
                    delay = retryAfter
                } else {
                    // The last wait is cut short so that one more try lands within the budget.
                    guard remaining > .milliseconds(10) else {
                        throw exhausted(error, attempts: attempts, elapsed: start.duration(to: clock.now))
                    }
                    delay = min(jittered(backoff), remaining)
                    backoff = min(backoff * 2, options.maximumBackoff)
                }
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    throw .transport("\(method.rawValue) \(path): cancelled")
                }
            }
        }
    }

    private func jittered(_ delay: Duration) -> Duration {
        // Up to +25 %, so the plugins of many pods on one node do not retry in step.
        delay + delay * Double.random(in: 0..<0.25)
    }

    private func exhausted(_ error: KubeError, attempts: Int, elapsed: Duration) -> KubeError {
        guard case .transport(let message) = error else { return error }
        let ms = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        return .transport("\(message) (gave up after \(attempts) attempts in \(ms) ms)")
    }

    private func attempt(_ method: Method, _ path: String, body: JSONValue?, contentType: String?) async -> Outcome {
        var request = HTTPClientRequest(url: baseURL + path)
        switch method {
        case .get: request.method = .GET
        case .put: request.method = .PUT
        case .patch: request.method = .PATCH
        case .post: request.method = .POST
        }
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: options.userAgent)
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        if let body {
            let bytes = body.serializedBytes
            request.headers.add(name: "Content-Type", value: contentType ?? "application/json")
            request.body = .bytes(ByteBuffer(bytes: bytes))
        }
        let what = "\(method.rawValue) \(path)"
        let status: Int
        let reasonPhrase: String
        let retryAfter: String?
        let bytes: [UInt8]
        do {
            let response = try await http.execute(request, timeout: TimeAmount(options.requestTimeout))
            status = Int(response.status.code)
            reasonPhrase = response.status.reasonPhrase
            retryAfter = response.headers.first(name: "Retry-After")
            let buffer = try await response.body.collect(upTo: options.maximumResponseBytes)
            bytes = Array(buffer.readableBytesView)
        } catch {
            return TransportFailure.classify(error, what: what, server: server)
        }

        if (200..<300).contains(status) {
            if bytes.isEmpty { return .success(.null) }
            do {
                return .success(try JSONValue(parsing: bytes))
            } catch {
                return .failure(.decoding("\(what): \(error)"))
            }
        }
        let error = StatusBody.error(code: status, reasonPhrase: reasonPhrase, body: bytes)
        switch status {
        case 429, 500, 502, 503, 504:
            return .retry(error, after: retryAfter.flatMap(Self.retryAfterDelay))
        default:
            return .failure(error)
        }
    }

    /// `Retry-After: <seconds>`; an HTTP date is not worth parsing here (backoff applies).
    static func retryAfterDelay(_ header: String) -> Duration? {
        guard let seconds = Int(header.trimmingSpace), seconds >= 0 else { return nil }
        return .seconds(seconds)
    }
}
