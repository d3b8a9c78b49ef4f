/// HTTP/2 frames (RFC 9113 §4, §6): the 9-byte header, the types and flags a
/// unary gRPC client meets, encoding, and cutting frames out of the bytes
/// read so far.
struct HTTP2Frame: Equatable {
    enum Kind: UInt8 {
        case data = 0x0, headers = 0x1, priority = 0x2, rstStream = 0x3, settings = 0x4
        case pushPromise = 0x5, ping = 0x6, goAway = 0x7, windowUpdate = 0x8, continuation = 0x9
    }

    enum Flag {
        static let endStream: UInt8 = 0x1
        static let ack: UInt8 = 0x1
        static let endHeaders: UInt8 = 0x4
        static let padded: UInt8 = 0x8
        static let priority: UInt8 = 0x20
    }

    enum Setting: UInt16 {
        case headerTableSize = 0x1, enablePush = 0x2, maxConcurrentStreams = 0x3
        case initialWindowSize = 0x4, maxFrameSize = 0x5, maxHeaderListSize = 0x6
    }

    static let clientPreface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
    static let headerSize = 9
    /// SETTINGS_MAX_FRAME_SIZE's initial value; we never raise ours.
    static let defaultMaxFrameSize = 16_384
    static let defaultWindowSize = 65_535
    static let maxWindowSize = 0x7FFF_FFFF

    /// The raw type byte: unknown types are kept so they can be ignored (§4.1).
    var type: UInt8
    var flags: UInt8
    var streamID: UInt32
    var payload: [UInt8]

    init(_ kind: Kind, flags: UInt8 = 0, streamID: UInt32 = 0, payload: [UInt8] = []) {
        self.type = kind.rawValue
        self.flags = flags
        self.streamID = streamID
        self.payload = payload
    }

    init(type: UInt8, flags: UInt8, streamID: UInt32, payload: [UInt8]) {
        self.type = type
        self.flags = flags
        self.streamID = streamID
        self.payload = payload
    }

    var kind: Kind? { Kind(rawValue: type) }
    func has(_ flag: UInt8) -> Bool { flags & flag != 0 }

    func encoded() -> [UInt8] {
        let n = payload.count
        var out: [UInt8] = [UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF), type, flags]
        out += BigEndian.bytes(streamID & 0x7FFF_FFFF)
        out += payload
        return out
    }

    /// Cuts the first complete frame off `buffer`; nil when more bytes are needed.
    /// `maxFrameSize` is the limit we advertised: a larger frame is FRAME_SIZE_ERROR.
    static func parse(_ buffer: inout [UInt8], maxFrameSize: Int = defaultMaxFrameSize) throws(UnaryGRPCError) -> HTTP2Frame? {
        guard buffer.count >= headerSize else { return nil }
        let length = Int(buffer[0]) << 16 | Int(buffer[1]) << 8 | Int(buffer[2])
        guard length <= maxFrameSize else {
            throw .protocolViolation("the server sent a frame of \(length) bytes, over the \(maxFrameSize) allowed (FRAME_SIZE_ERROR)")
        }
        guard buffer.count >= headerSize + length else { return nil }
        let frame = HTTP2Frame(type: buffer[3], flags: buffer[4], streamID: BigEndian.uint32(buffer, at: 5) & 0x7FFF_FFFF,
                               payload: Array(buffer[headerSize..<(headerSize + length)]))
        buffer.removeFirst(headerSize + length)
        return frame
    }

    /// The payload without padding (DATA, HEADERS) and without the priority
    /// fields (HEADERS with PRIORITY), §6.1, §6.2.
    func unpaddedPayload() throws(UnaryGRPCError) -> ArraySlice<UInt8> {
        var body = payload[...]
        var padding = 0
        if has(Flag.padded) {
            guard let pad = body.first else { throw .protocolViolation("a padded frame without its pad length") }
            padding = Int(pad)
            body = body.dropFirst()
        }
        if type == Kind.headers.rawValue && has(Flag.priority) {
            guard body.count >= 5 else { throw .protocolViolation("a HEADERS frame too short for its priority fields") }
            body = body.dropFirst(5)
        }
        guard padding <= body.count else { throw .protocolViolation("frame padding longer than the frame (PROTOCOL_ERROR)") }
        return body.dropLast(padding)
    }

    static func settings(_ values: [(Setting, UInt32)]) -> HTTP2Frame {
        var payload: [UInt8] = []
        for (id, value) in values {
            payload += [UInt8(id.rawValue >> 8), UInt8(id.rawValue & 0xFF)]
            payload += BigEndian.bytes(value)
        }
        return HTTP2Frame(.settings, payload: payload)
    }

    static func windowUpdate(streamID: UInt32, increment: UInt32) -> HTTP2Frame {
        HTTP2Frame(.windowUpdate, streamID: streamID, payload: BigEndian.bytes(increment & 0x7FFF_FFFF))
    }

    static func rstStream(streamID: UInt32, code: UInt32) -> HTTP2Frame {
        HTTP2Frame(.rstStream, streamID: streamID, payload: BigEndian.bytes(code))
    }

    static func goAway(lastStreamID: UInt32, code: UInt32) -> HTTP2Frame {
        HTTP2Frame(.goAway, payload: BigEndian.bytes(lastStreamID) + BigEndian.bytes(code))
    }
}

enum BigEndian {
    static func bytes(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }

    static func uint32<C: Collection>(_ bytes: C, at offset: Int) -> UInt32 where C.Element == UInt8, C.Index == Int {
        let s = bytes.startIndex + offset
        return UInt32(bytes[s]) << 24 | UInt32(bytes[s + 1]) << 16 | UInt32(bytes[s + 2]) << 8 | UInt32(bytes[s + 3])
    }
}

/// RFC 9113 §7 error codes, for messages.
enum HTTP2ErrorCode {
    static func name(_ code: UInt32) -> String {
        let names = ["NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT",
                     "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR",
                     "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"]
        return code < names.count ? names[Int(code)] : "error code \(code)"
    }
}
