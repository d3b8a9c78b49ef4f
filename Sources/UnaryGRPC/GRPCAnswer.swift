/// What came back on the call's stream, and how gRPC reads it
/// (grpc/doc/PROTOCOL-HTTP2.md): response headers, length-prefixed messages,
/// trailers with grpc-status — or one trailers-only HEADERS block.
struct GRPCAnswer {
    var headers: [(name: String, value: String)]?
    var trailers: [(name: String, value: String)]?
    var body: [UInt8] = []

    static func value(_ name: String, in fields: [(name: String, value: String)]?) -> String? {
        fields?.first { $0.name == name }?.value
    }

    /// Refuses a body that has grown, or announces a message, past the limit,
    /// so a huge answer is stopped as it arrives.
    func checkSize(limit: Int) throws(UnaryGRPCError) {
        if body.count >= 5 {
            let announced = body[1...4].reduce(0) { $0 << 8 | Int($1) }
            if announced > limit { throw .answerTooLarge(bytes: announced, limit: limit) }
        }
        if body.count > limit + 5 { throw .answerTooLarge(bytes: body.count, limit: limit) }
    }

    /// The response headers say whether a gRPC answer follows: checked as
    /// they arrive, so an HTML error page is never read as gRPC messages.
    func checkHeaders() throws(UnaryGRPCError) {
        let status = Self.value(":status", in: headers) ?? ""
        let contentType = Self.value("content-type", in: headers)
        guard status == "200" else { throw .httpStatus(status.isEmpty ? "(none)" : status, contentType: contentType) }
        if let contentType, !contentType.hasPrefix("application/grpc") {
            throw .notGRPC("the answer's content-type is \(contentType), not application/grpc")
        }
    }

    /// The one response message, or the error the answer carries.
    func message(limit: Int) throws(UnaryGRPCError) -> [UInt8] {
        try checkHeaders()
        // Trailers-only answers carry grpc-status in the only block.
        let last = trailers ?? headers
        guard let codeText = Self.value("grpc-status", in: last) else {
            throw .notGRPC("the answer ended without grpc-status")
        }
        guard let code = Int(codeText) else { throw .notGRPC("grpc-status \"\(codeText)\" is not a number") }
        guard code == 0 else {
            throw .status(code: code, message: Self.percentDecoded(Self.value("grpc-message", in: last) ?? ""))
        }
        let messages = try GRPCFraming.messages(in: body, limit: limit)
        guard messages.count == 1, let only = messages.first else {
            throw .malformedMessage("expected one response message, got \(messages.count)")
        }
        return only
    }

    /// grpc-message is percent-encoded UTF-8; a malformed escape stays as it is.
    static func percentDecoded(_ text: String) -> String {
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count,
               let hi = hex(bytes[i + 1]), let lo = hex(bytes[i + 2]) {
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// gRPC's length-prefixed messages: a compressed flag, a 4-byte big-endian
/// length, the message.
package enum GRPCFraming {
    package static func frame(_ message: [UInt8]) -> [UInt8] {
        [0] + BigEndian.bytes(UInt32(message.count)) + message
    }

    /// The messages of a complete body, in order.
    static func messages(in body: [UInt8], limit: Int) throws(UnaryGRPCError) -> [[UInt8]] {
        var messages: [[UInt8]] = []
        var offset = 0
        while offset < body.count {
            guard body.count - offset >= 5 else {
                throw .malformedMessage("the answer ends inside a gRPC message prefix (\(body.count - offset) of 5 bytes)")
            }
            switch body[offset] {
            case 0: break
            case 1: throw .compressedMessage
            case let flag: throw .malformedMessage("gRPC message flag \(flag) is neither 0 nor 1")
            }
            let length = Int(BigEndian.uint32(body, at: offset + 1))
            guard length <= limit else { throw .answerTooLarge(bytes: length, limit: limit) }
            guard body.count - offset - 5 >= length else {
                throw .malformedMessage("the answer ends inside a gRPC message (\(body.count - offset - 5) of \(length) bytes)")
            }
            messages.append(Array(body[(offset + 5)..<(offset + 5 + length)]))
            offset += 5 + length
        }
        return messages
    }
}
