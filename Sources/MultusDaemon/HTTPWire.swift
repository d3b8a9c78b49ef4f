/// The little HTTP/1.1 the daemon speaks on its unix socket and metrics port,
/// and the shim as a client: one request per connection (Go's daemon turns
/// keep-alives off too), bodies by Content-Length or chunked (Go's server
/// chunks answers past its 2 KiB buffer).
enum HTTPWire {
    struct Request: Sendable {
        var method: String
        /// The target without its query.
        var path: String
        var headers: [(name: String, value: String)]
        var body: [UInt8]
    }

    struct Response: Sendable {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    static let maximumHead = 64 << 10

    // MARK: reading

    /// Reads one request (head and body) from `socket`.
    static func readRequest(_ socket: StreamSocket, until deadline: Duration, maximumBody: Int) throws(SocketError) -> Request {
        var buffer: [UInt8] = []
        let (start, headers, bodyStart) = try readHead(socket, &buffer, until: deadline)
        let parts = start.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else { throw SocketError("malformed request line") }
        let target = String(parts[1])
        let path = target.firstIndex(of: "?").map { String(target[..<$0]) } ?? target
        let body = try readBody(socket, &buffer, from: bodyStart, headers: headers, untilClose: false,
                                until: deadline, maximumBody: maximumBody)
        return Request(method: String(parts[0]), path: path, headers: headers, body: body)
    }

    /// Reads one response; without a length the body runs to the end of the stream.
    static func readResponse(_ socket: StreamSocket, until deadline: Duration, maximumBody: Int) throws(SocketError) -> Response {
        var buffer: [UInt8] = []
        let (start, headers, bodyStart) = try readHead(socket, &buffer, until: deadline)
        let parts = start.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw SocketError("malformed status line: \(start.prefix(100))")
        }
        let body = try readBody(socket, &buffer, from: bodyStart, headers: headers, untilClose: true,
                                until: deadline, maximumBody: maximumBody)
        return Response(status: status, headers: headers, body: body)
    }

    private static func readHead(_ socket: StreamSocket, _ buffer: inout [UInt8], until deadline: Duration)
        throws(SocketError) -> (String, [(name: String, value: String)], Int)
    {
        var searched = 0
        while true {
            if let end = headEnd(buffer, from: max(0, searched - 3)) {
                let text = String(decoding: buffer[..<end], as: UTF8.self)
                var lines = text.split(separator: Character("\r\n"), omittingEmptySubsequences: false).map(String.init)
                let start = lines.removeFirst()
                var headers: [(name: String, value: String)] = []
                for line in lines where !line.isEmpty {
                    guard let colon = line.firstIndex(of: ":") else { throw SocketError("malformed header line") }
                    headers.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingHTTPSpace))
                }
                return (start, headers, end + 4)
            }
            searched = buffer.count
            guard buffer.count < maximumHead else { throw SocketError("the message head is larger than 64 KiB") }
            guard try socket.receive(into: &buffer, until: deadline) else {
                throw SocketError(buffer.isEmpty ? "connection closed before a message" : "connection closed inside the message head")
            }
        }
    }

    private static func headEnd(_ buffer: [UInt8], from start: Int) -> Int? {
        guard buffer.count >= 4 else { return nil }
        var i = start
        while i + 3 < buffer.count {
            if buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 { return i }
            i += 1
        }
        return nil
    }

    private static func readBody(_ socket: StreamSocket, _ buffer: inout [UInt8], from start: Int,
                                 headers: [(name: String, value: String)], untilClose: Bool,
                                 until deadline: Duration, maximumBody: Int) throws(SocketError) -> [UInt8]
    {
        func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name }?.value }
        if header("transfer-encoding")?.lowercased().hasSuffix("chunked") == true {
            return try readChunked(socket, &buffer, from: start, until: deadline, maximumBody: maximumBody)
        }
        if let lengthText = header("content-length") {
            guard let length = Int(lengthText), length >= 0 else { throw SocketError("bad Content-Length") }
            guard length <= maximumBody else { throw SocketError("the body is larger than \(maximumBody) bytes") }
            while buffer.count - start < length {
                guard try socket.receive(into: &buffer, until: deadline) else { throw SocketError("connection closed inside the body") }
            }
            return Array(buffer[start..<(start + length)])
        }
        guard untilClose else { return [] }
        while try socket.receive(into: &buffer, until: deadline) {
            guard buffer.count - start <= maximumBody else { throw SocketError("the body is larger than \(maximumBody) bytes") }
        }
        return Array(buffer[start...])
    }

    private static func readChunked(_ socket: StreamSocket, _ buffer: inout [UInt8], from start: Int,
                                    until deadline: Duration, maximumBody: Int) throws(SocketError) -> [UInt8]
    {
        var body: [UInt8] = []
        var position = start
        func line() throws(SocketError) -> String {
            while true {
                var i = position
                while i + 1 < buffer.count {
                    if buffer[i] == 13 && buffer[i + 1] == 10 {
                        let text = String(decoding: buffer[position..<i], as: UTF8.self)
                        position = i + 2
                        return text
                    }
                    i += 1
                }
                guard try socket.receive(into: &buffer, until: deadline) else { throw SocketError("connection closed inside a chunk") }
            }
        }
        while true {
            let sizeText = try line().split(separator: ";").first.map(String.init)?.trimmingHTTPSpace ?? ""
            guard let size = Int(sizeText, radix: 16), size >= 0 else { throw SocketError("bad chunk size") }
            if size == 0 {
                while try !line().isEmpty {}  // trailers
                return body
            }
            guard body.count + size <= maximumBody else { throw SocketError("the body is larger than \(maximumBody) bytes") }
            while buffer.count - position < size + 2 {
                guard try socket.receive(into: &buffer, until: deadline) else { throw SocketError("connection closed inside a chunk") }
            }
            body += buffer[position..<(position + size)]
            position += size + 2
        }
    }

    // MARK: writing

    static func response(status: Int, contentType: String? = nil, body: [UInt8] = []) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(reason(status))\r\n"
        if let contentType { head += "Content-Type: \(contentType)\r\n" }
        head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        return Array(head.utf8) + body
    }

    static func request(method: String, path: String, contentType: String?, body: [UInt8]) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: dummy\r\nUser-Agent: multus-shim\r\n"
        if let contentType { head += "Content-Type: \(contentType)\r\n" }
        head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        return Array(head.utf8) + body
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 413: "Request Entity Too Large"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}

extension StringProtocol {
    var trimmingHTTPSpace: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return String(s)
    }
}
