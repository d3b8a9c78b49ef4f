import SystemSupport

/// Reads HTTP/1.1 responses off a stream, one after another: status line,
/// headers, and a body framed by Content-Length, chunked transfer coding, or
/// the end of the connection. Bytes read past one response stay buffered for
/// the next (pipelining). Bodies larger than the cap fail instead of growing.
struct HTTPResponseReader {
    let stream: any ByteStream
    let server: String
    private var buffer: [UInt8] = []
    private var position = 0
    private var scratch = [UInt8](repeating: 0, count: 16 << 10)

    static let maximumHeadBytes = 64 << 10
    /// For streams (watch): each read may wait this long, whatever the deadline
    /// passed in says; a stream is healthy as long as something keeps coming.
    var idleTimeout: Duration?

    init(stream: any ByteStream, server: String) {
        self.stream = stream
        self.server = server
    }

    /// Reads one whole response. `method` tells whether a body follows (HEAD).
    mutating func readResponse(method: String, maximumBody: Int, deadline: Deadline) throws(TransportError) -> HTTPResponse {
        let head = try readHead(deadline: deadline)
        var body: [UInt8] = []
        let server = self.server
        try readBody(head, method: method, deadline: deadline) { (chunk) throws(TransportError) in
            guard body.count + chunk.count <= maximumBody else {
                throw TransportError(.protocolViolation,
                                     "the answer from \(server) is larger than \(Self.size(maximumBody)); refusing to read it")
            }
            body += chunk
        }
        return HTTPResponse(head: head, body: body)
    }

    /// Status line and headers; interim 1xx responses are skipped. Parsed as
    /// bytes: only names and values become Strings.
    mutating func readHead(deadline: Deadline) throws(TransportError) -> HTTPResponseHead {
        while true {
            let statusLine = try readLineBytes(deadline: deadline, atStart: true)
            // "HTTP/1.x NNN reason"
            guard statusLine.count >= 12, statusLine.starts(with: Self.httpPrefix),
                  let status = Self.decimal(statusLine[(statusLine.startIndex + 9)..<(statusLine.startIndex + 12)]) else {
                throw TransportError(.protocolViolation, "\(server) did not answer with HTTP/1.1")
            }
            let minor = statusLine[statusLine.startIndex + 7] == UInt8(ascii: "0") ? 0 : 1
            var headers: [(name: String, value: String)] = []
            while true {
                let line = try readLineBytes(deadline: deadline, atStart: false)
                if line.isEmpty { break }
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                    throw TransportError(.protocolViolation, "\(server) sent a malformed header")
                }
                headers.append((String(decoding: Self.trimmed(line[..<colon]), as: UTF8.self),
                                String(decoding: Self.trimmed(line[(colon + 1)...]), as: UTF8.self)))
            }
            if (100..<200).contains(status) && status != 101 { continue }
            let reason = statusLine.count > 13 ? String(decoding: statusLine[(statusLine.startIndex + 13)...], as: UTF8.self) : ""
            return HTTPResponseHead(status: status, reason: reason, minorVersion: minor, headers: headers)
        }
    }

    static let httpPrefix = Array("HTTP/1.".utf8)

    static func decimal(_ digits: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for digit in digits {
            guard (0x30...0x39).contains(digit) else { return nil }
            value = value * 10 + Int(digit - 0x30)
        }
        return digits.isEmpty ? nil : value
    }

    /// Without spaces and tabs at either end.
    static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, first == 0x20 || first == 0x09 { slice = slice.dropFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
        return slice
    }

    /// Hands the decoded body to `sink` piece by piece, as it arrives (a watch
    /// stream never ends on its own).
    mutating func readBody(_ head: HTTPResponseHead, method: String, deadline: Deadline,
                           _ sink: (ArraySlice<UInt8>) throws(TransportError) -> Void) throws(TransportError)
    {
        if method == "HEAD" || head.status == 204 || head.status == 304 { return }
        if head.isChunked {
            while true {
                let sizeLine = try readLineBytes(deadline: deadline, atStart: false)
                let digits = String(decoding: sizeLine.prefix { $0 != UInt8(ascii: ";") && $0 != 0x20 }, as: UTF8.self)
                guard let size = Int(digits, radix: 16), size >= 0 else {
                    throw TransportError(.protocolViolation, "\(server) sent a malformed chunk")
                }
                if size == 0 {
                    while try !readLineBytes(deadline: deadline, atStart: false).isEmpty {}  // trailers
                    return
                }
                try readExactly(size, deadline: deadline, sink)
                guard try readLineBytes(deadline: deadline, atStart: false).isEmpty else {
                    throw TransportError(.protocolViolation, "\(server) sent a malformed chunk")
                }
            }
        }
        if let lengthText = head.header("Content-Length") {
            guard let length = Int(lengthText), length >= 0 else {
                throw TransportError(.protocolViolation, "\(server) sent an invalid Content-Length")
            }
            try readExactly(length, deadline: deadline, sink)
            return
        }
        // Neither: the body runs to the end of the connection.
        while true {
            if position < buffer.count {
                let available = buffer[position...]
                position = buffer.count
                try sink(available)
            }
            if try fill(deadline: deadline) == 0 { return }
        }
    }

    private mutating func readExactly(_ count: Int, deadline: Deadline,
                                      _ sink: (ArraySlice<UInt8>) throws(TransportError) -> Void) throws(TransportError)
    {
        var left = count
        while left > 0 {
            if position == buffer.count, try fill(deadline: deadline) == 0 {
                throw TransportError(.broken, "\(server) closed the connection in the middle of an answer")
            }
            let take = min(left, buffer.count - position)
            let piece = buffer[position..<position + take]
            position += take
            left -= take
            try sink(piece)
        }
    }

    /// One CRLF- (or LF-) terminated line, without the terminator.
    private mutating func readLineBytes(deadline: Deadline, atStart: Bool) throws(TransportError) -> ArraySlice<UInt8> {
        // How far past `position` has been searched; `fill` may move the buffer's start.
        var searched = 0
        while true {
            if let newline = buffer[(position + searched)...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > position, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = buffer[position..<end]
                position = newline + 1
                return line
            }
            searched = buffer.count - position
            guard searched < Self.maximumHeadBytes else {
                throw TransportError(.protocolViolation, "\(server) sent a header line that is too long")
            }
            if try fill(deadline: deadline) == 0 {
                let message = atStart && searched == 0
                    ? "\(server) closed the connection" : "\(server) closed the connection in the middle of an answer"
                throw TransportError(.broken, message)
            }
        }
    }

    /// Reads more from the stream; the bytes already consumed are dropped first.
    private mutating func fill(deadline: Deadline) throws(TransportError) -> Int {
        if position > 0 && position == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            position = 0
        } else if position > 64 << 10 {
            buffer.removeFirst(position)
            position = 0
        }
        let stream = self.stream
        let effective = idleTimeout.map(Deadline.after) ?? deadline
        let n: Int
        do {
            n = try scratch.withUnsafeMutableBytes { raw in try stream.read(into: raw, deadline: effective) }
        } catch let error as TransportError {
            throw error
        } catch {
            throw TransportError(.other, "\(server): \(error)")
        }
        buffer += scratch[0..<n]
        return n
    }

    static func size(_ bytes: Int) -> String {
        bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }

    /// Bytes received but not yet consumed (a server answering ahead).
    var hasBufferedBytes: Bool { position < buffer.count }
}
