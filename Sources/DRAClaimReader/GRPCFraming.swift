/// gRPC's length-prefixed message framing (the body of a gRPC HTTP/2 stream):
/// one byte compressed-flag, a 4-byte big-endian length, the protobuf message.
enum GRPCFraming {
    static func frame(_ message: [UInt8]) -> [UInt8] {
        let n = UInt32(message.count)
        return [0, UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)] + message
    }

    enum Failure: Error, Equatable, CustomStringConvertible {
        case truncated(Int)
        case compressed
        case tooLarge(Int)
        var description: String {
            switch self {
            case .truncated(let n): "truncated gRPC message (\(n) bytes)"
            case .compressed: "compressed gRPC message (no compression was offered)"
            case .tooLarge(let n): "gRPC message of \(n) bytes exceeds the limit"
            }
        }
    }

    /// The messages in a complete body, in order.
    static func messages(in body: [UInt8], limit: Int = 16 << 20) throws(Failure) -> [[UInt8]] {
        var messages: [[UInt8]] = []
        var offset = 0
        while offset < body.count {
            guard body.count - offset >= 5 else { throw .truncated(body.count) }
            guard body[offset] == 0 else { throw .compressed }
            let length = body[(offset + 1)...(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            guard length <= limit else { throw .tooLarge(length) }
            guard body.count - offset - 5 >= length else { throw .truncated(body.count) }
            messages.append(Array(body[(offset + 5)..<(offset + 5 + length)]))
            offset += 5 + length
        }
        return messages
    }
}
