/// One HTTP/1.1 request, ready to be written.
struct HTTPRequest: Sendable, Equatable {
    var method: String
    /// Origin form: `/api/v1/…?query`.
    var target: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]?

    init(method: String, target: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }

    /// The bytes on the wire. `host` is the Host header (`name[:port]`).
    func serialized(host: String) -> [UInt8] {
        var text = "\(method) \(target) HTTP/1.1\r\nHost: \(host)\r\n"
        for header in headers { text += "\(header.name): \(header.value)\r\n" }
        if let body {
            text += "Content-Length: \(body.count)\r\n\r\n"
            return Array(text.utf8) + body
        }
        if method == "POST" || method == "PUT" || method == "PATCH" { text += "Content-Length: 0\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }

    static func == (lhs: HTTPRequest, rhs: HTTPRequest) -> Bool {
        lhs.method == rhs.method && lhs.target == rhs.target && lhs.body == rhs.body
            && lhs.headers.map(\.name) == rhs.headers.map(\.name) && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }
}

/// The status line and headers of a response.
struct HTTPResponseHead: Sendable, Equatable {
    var status: Int
    var reason: String
    /// `HTTP/1.1` → 1, `HTTP/1.0` → 0.
    var minorVersion: Int
    var headers: [(name: String, value: String)]

    /// The first header of that name (case-insensitive).
    func header(_ name: String) -> String? {
        headers.first { ASCII.equalsIgnoringCase($0.name, name) }?.value
    }

    /// Whether the server keeps the connection open after this response.
    var keepsAlive: Bool {
        let connection = header("Connection") ?? ""
        if ASCII.contains(connection, "close") { return false }
        return minorVersion >= 1 || ASCII.contains(connection, "keep-alive")
    }

    var isChunked: Bool { header("Transfer-Encoding").map { ASCII.contains($0, "chunked") } ?? false }

    static func == (lhs: HTTPResponseHead, rhs: HTTPResponseHead) -> Bool {
        lhs.status == rhs.status && lhs.reason == rhs.reason && lhs.minorVersion == rhs.minorVersion
            && lhs.headers.map(\.name) == rhs.headers.map(\.name) && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }
}

/// A complete response.
struct HTTPResponse: Sendable, Equatable {
    var head: HTTPResponseHead
    var body: [UInt8]

    var status: Int { head.status }
}
