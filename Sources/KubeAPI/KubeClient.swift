import CNISpec
import SystemSupport
import Synchronization

/// A small, blocking Kubernetes REST client for one invocation of the
/// plugin: ONE kept-alive HTTP/1.1 connection (TLS through BoringSSL's C
/// API), batches of independent requests pipelined on it, bearer or
/// client-certificate auth, `Status` bodies decoded into `KubeError.status`,
/// and bounded retries of transient failures. No threads, no event loop:
/// every call runs on the caller's thread.
///
/// Call `shutdown()` once when done.
package final class KubeClient: Sendable {
    package struct Options: Sendable {
        /// One attempt: connect, send, and read every answer of the batch.
        package var requestTimeout: Duration
        /// Retries of one call end this long after the call began (a `Retry-After`
        /// that reaches past it ends them at once). One attempt in flight may run on
        /// to `requestTimeout`.
        package var retryBudget: Duration
        package var initialBackoff: Duration
        package var maximumBackoff: Duration
        package var maximumResponseBytes: Int
        package var userAgent: String
        /// The clock of retry budgets and the sleeps between attempts; a test
        /// passes one that does not wait.
        package var timeSource: any TimeSource
        /// Up to this fraction is added to each backoff, so that the plugins of many
        /// pods on one node do not retry in step.
        package var jitter: Double

        package init(
            requestTimeout: Duration = .seconds(10),
            retryBudget: Duration = .seconds(5),
            initialBackoff: Duration = .milliseconds(100),
            maximumBackoff: Duration = .seconds(1),
            maximumResponseBytes: Int = 64 << 20,
            userAgent: String = "multus-swift",
            timeSource: any TimeSource = SystemTime(),
            jitter: Double = 0.25
        ) {
            self.requestTimeout = requestTimeout
            self.retryBudget = retryBudget
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
            self.maximumResponseBytes = maximumResponseBytes
            self.userAgent = userAgent
            self.timeSource = timeSource
            self.jitter = jitter
        }
    }

    /// One request of a batch.
    package struct Call: Sendable, Equatable {
        package var method: String
        package var path: String
        package var body: JSONValue?
        package var contentType: String?
        /// false: a successful answer is `.null` without parsing its body (a
        /// write whose echoed object nobody reads).
        package var readsAnswer = true

        package init(method: String, path: String, body: JSONValue? = nil, contentType: String? = nil) {
            self.method = method
            self.path = path
            self.body = body
            self.contentType = contentType
        }

        package static func get(_ path: String) -> Call { Call(method: "GET", path: path) }
        /// JSON merge patch (RFC 7386).
        package static func mergePatch(_ path: String, _ patch: JSONValue) -> Call {
            Call(method: "PATCH", path: path, body: patch, contentType: "application/merge-patch+json")
        }
        /// Server-side apply: `body` is the complete intent of `fieldManager`
        /// (JSON is YAML); `force` takes over fields another manager set differently.
        package static func apply(_ path: String, _ body: JSONValue, fieldManager: String, force: Bool) -> Call {
            var query = "fieldManager=" + URLEncoding.queryValue(fieldManager)
            if force { query += "&force=true" }
            return Call(method: "PATCH", path: path + "?" + query, body: body, contentType: "application/apply-patch+yaml")
        }
        package static func put(_ path: String, _ body: JSONValue) -> Call {
            Call(method: "PUT", path: path, body: body, contentType: "application/json")
        }
        package static func post(_ path: String, _ body: JSONValue) -> Call {
            Call(method: "POST", path: path, body: body, contentType: "application/json")
        }
    }

    package let server: String
    package let options: Options
    let endpoint: Endpoint
    let authorization: String?
    /// The one connection of this client, opened on first use. The lock also
    /// keeps batches from interleaving on it.
    let connection = Mutex<HTTPConnection?>(nil)

    /// Parses the configuration and builds the TLS context; no connection yet.
    package init(config: KubeClientConfig, options: Options = Options()) throws(KubeError) {
        let url = try ServerURL(parsing: config.server, source: config.source)
        server = url.string()
        self.options = options
        authorization = config.bearerToken.map { "Bearer \($0)" }
        let tls = url.scheme == "https" ? try TLSContext(config: config) : nil
        endpoint = Endpoint(url: url, tlsServerName: config.tlsServerName, tls: tls)
    }

    // MARK: verbs

    package func get(_ path: String) throws(KubeError) -> JSONValue { try perform([.get(path)])[0].get() }

    /// The `items` of a LIST. Selectors are URL-encoded here.
    package func list(_ path: String, fieldSelector: String? = nil, labelSelector: String? = nil) throws(KubeError)
        -> [JSONValue]
    {
        try listWithVersion(path, fieldSelector: fieldSelector, labelSelector: labelSelector).items
    }

    /// A LIST's items and `metadata.resourceVersion`, where a WATCH starts from.
    package func listWithVersion(_ path: String, fieldSelector: String? = nil, labelSelector: String? = nil)
        throws(KubeError) -> ListResult
    {
        let target = Self.listPath(path, fieldSelector: fieldSelector, labelSelector: labelSelector)
        return try ListResult(json: try perform([.get(target)])[0].get(), what: "GET \(target)")
    }

    /// `path?fieldSelector=…&labelSelector=…`, values percent-encoded.
    package static func listPath(_ path: String, fieldSelector: String? = nil, labelSelector: String? = nil,
                                 extra: [String] = []) -> String
    {
        var query = extra
        if let fieldSelector { query.append("fieldSelector=" + URLEncoding.queryValue(fieldSelector)) }
        if let labelSelector { query.append("labelSelector=" + URLEncoding.queryValue(labelSelector)) }
        return query.isEmpty ? path : path + (path.utf8.contains(0x3F) ? "&" : "?") + query.joined(separator: "&")
    }

    package func patch(_ path: String, mergePatch: JSONValue) throws(KubeError) -> JSONValue {
        try perform([.mergePatch(path, mergePatch)])[0].get()
    }

    package func put(_ path: String, _ body: JSONValue) throws(KubeError) -> JSONValue {
        try perform([.put(path, body)])[0].get()
    }

    package func post(_ path: String, _ body: JSONValue) throws(KubeError) -> JSONValue {
        try perform([.post(path, body)])[0].get()
    }

    /// Closes the connection.
    package func shutdown() {
        connection.withLock { current in
            current?.close()
            current = nil
        }
    }

    /// The wire form of a call: path prefix, headers, body.
    func request(for call: Call) -> HTTPRequest {
        var headers: [(name: String, value: String)] = [("Accept", "application/json"), ("User-Agent", options.userAgent)]
        if let authorization { headers.append(("Authorization", authorization)) }
        var body: [UInt8]?
        if let json = call.body {
            headers.append(("Content-Type", call.contentType ?? "application/json"))
            body = json.serializedBytes
        }
        return HTTPRequest(method: call.method, target: endpoint.pathPrefix + call.path, headers: headers, body: body)
    }
}

/// A LIST's answer.
package struct ListResult: Sendable, Equatable {
    package var items: [JSONValue]
    /// Where a WATCH of the same collection starts from.
    package var resourceVersion: String

    package init(items: [JSONValue], resourceVersion: String) {
        self.items = items
        self.resourceVersion = resourceVersion
    }

    init(json list: JSONValue, what: String) throws(KubeError) {
        guard let items = list["items"] else {
            throw .decoding("\(what): expected a list with items, got \(list.kindName)")
        }
        if items.isNull {
            self.items = []
        } else {
            guard let array = items.arrayValue else { throw .decoding("\(what): items is \(items.kindName)") }
            self.items = array
        }
        resourceVersion = list["metadata"]?["resourceVersion"]?.stringValue ?? ""
    }
}
