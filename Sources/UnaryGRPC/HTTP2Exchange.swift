import SystemSupport

/// The HTTP/2 side of one unary call on a fresh connection: our preface and
/// SETTINGS, the request on stream 1 (DATA split by the peer's frame size and
/// windows), then every frame the server sends until stream 1 ends — SETTINGS
/// and PING acknowledged, windows kept open with WINDOW_UPDATE, header blocks
/// (HEADERS + CONTINUATION) decoded in order, RST_STREAM and GOAWAY reported.
struct HTTP2Exchange {
    static let streamID: UInt32 = 1
    /// What we tell the server we accept in one header list.
    static let maxHeaderListSize = 65_536

    private let socket: UnixSocket
    private let deadline: Deadline
    private let maxAnswerBytes: Int
    private var input: [UInt8] = []
    private var hpack = HPACKDecoder(maxTableSize: 4096, maxHeaderListSize: maxHeaderListSize)
    private var answer = GRPCAnswer()
    private var ended = false
    private var sawServerSettings = false

    // Sending: the peer's limits.
    private var pendingBody: ArraySlice<UInt8> = []
    private var peerMaxFrameSize = HTTP2Frame.defaultMaxFrameSize
    private var peerInitialWindow = HTTP2Frame.defaultWindowSize
    private var connectionSendWindow = HTTP2Frame.defaultWindowSize
    private var streamSendWindow = HTTP2Frame.defaultWindowSize
    // Receiving: our windows (never raised by SETTINGS; refilled by WINDOW_UPDATE).
    private var connectionReceiveWindow = HTTP2Frame.defaultWindowSize
    private var streamReceiveWindow = HTTP2Frame.defaultWindowSize
    // A header block still waiting for CONTINUATION frames.
    private var partialBlock: (streamID: UInt32, bytes: [UInt8], endStream: Bool)?
    private var goAway: (code: UInt32, lastStreamID: UInt32, debug: String)?
    /// The server stopped reading (EPIPE): what it already sent is still read.
    private var writesFailed = false

    init(socket: UnixSocket, deadline: Deadline, maxAnswerBytes: Int) {
        self.socket = socket
        self.deadline = deadline
        self.maxAnswerBytes = maxAnswerBytes
    }

    private var waitingFor: String {
        answer.headers == nil ? "the response headers" : "the end of the response"
    }

    mutating func run(headerBlock: [UInt8], body: [UInt8]) throws(UnaryGRPCError) -> GRPCAnswer {
        var out = HTTP2Frame.clientPreface
        out += HTTP2Frame.settings([(.enablePush, 0), (.maxHeaderListSize, UInt32(Self.maxHeaderListSize))]).encoded()
        out += headerFrames(headerBlock)
        try write(out)
        pendingBody = body[...]
        try sendBody()
        while !ended {
            if let frame = try nextFrame() {
                try handle(frame)
                continue
            }
            guard try socket.receive(into: &input, deadline: deadline, waitingFor: waitingFor) else {
                if let goAway { throw .goAway(code: goAway.code, lastStreamID: goAway.lastStreamID, debug: goAway.debug) }
                throw .connectionClosed(waitingFor: waitingFor)
            }
        }
        return answer
    }

    /// HEADERS, then CONTINUATION frames if the block exceeds the peer's frame size.
    private func headerFrames(_ block: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var rest = block[...]
        var first = true
        repeat {
            let chunk = Array(rest.prefix(peerMaxFrameSize))
            rest = rest.dropFirst(chunk.count)
            let flags = rest.isEmpty ? HTTP2Frame.Flag.endHeaders : 0
            out += HTTP2Frame(first ? .headers : .continuation, flags: flags, streamID: Self.streamID, payload: chunk).encoded()
            first = false
        } while !rest.isEmpty
        return out
    }

    /// As much of the request body as both windows allow; END_STREAM on the last piece.
    private mutating func sendBody() throws(UnaryGRPCError) {
        var out: [UInt8] = []
        while !pendingBody.isEmpty {
            let n = min(pendingBody.count, peerMaxFrameSize, connectionSendWindow, streamSendWindow)
            guard n > 0 else { break }
            let chunk = Array(pendingBody.prefix(n))
            pendingBody = pendingBody.dropFirst(n)
            connectionSendWindow -= n
            streamSendWindow -= n
            out += HTTP2Frame(.data, flags: pendingBody.isEmpty ? HTTP2Frame.Flag.endStream : 0,
                              streamID: Self.streamID, payload: chunk).encoded()
        }
        if !out.isEmpty { try write(out) }
    }

    private mutating func nextFrame() throws(UnaryGRPCError) -> HTTP2Frame? {
        if !sawServerSettings, input.count >= 5, input.prefix(5).elementsEqual("HTTP/".utf8) {
            throw .protocolViolation("the server answered in HTTP/1.x; it does not speak HTTP/2 with prior knowledge")
        }
        guard let frame = try HTTP2Frame.parse(&input) else { return nil }
        if !sawServerSettings {
            // §3.4: the server's connection preface is a SETTINGS frame.
            guard frame.kind == .settings, !frame.has(HTTP2Frame.Flag.ack) else {
                throw .protocolViolation("the server's first frame is not SETTINGS (type \(frame.type))")
            }
            sawServerSettings = true
        }
        return frame
    }

    private mutating func handle(_ frame: HTTP2Frame) throws(UnaryGRPCError) {
        guard let kind = frame.kind else { return }  // unknown frame types are ignored (§4.1)
        switch kind {
        case .settings: try settings(frame)
        case .ping:
            guard frame.streamID == 0, frame.payload.count == 8 else { throw .protocolViolation("a malformed PING frame") }
            if !frame.has(HTTP2Frame.Flag.ack) {
                try send(HTTP2Frame(.ping, flags: HTTP2Frame.Flag.ack, payload: frame.payload))
            }
        case .windowUpdate: try windowUpdate(frame)
        case .headers, .continuation: try headerBlock(frame)
        case .data: try data(frame)
        case .rstStream:
            guard frame.streamID != 0, frame.payload.count == 4 else { throw .protocolViolation("a malformed RST_STREAM frame") }
            if frame.streamID == Self.streamID { throw .streamReset(code: BigEndian.uint32(frame.payload, at: 0)) }
        case .goAway:
            guard frame.streamID == 0, frame.payload.count >= 8 else { throw .protocolViolation("a malformed GOAWAY frame") }
            let last = BigEndian.uint32(frame.payload, at: 0) & 0x7FFF_FFFF
            let record = (code: BigEndian.uint32(frame.payload, at: 4), lastStreamID: last,
                          debug: String(decoding: frame.payload.dropFirst(8), as: UTF8.self))
            // Streams up to `last` may still complete; ours was never taken up otherwise.
            if last < Self.streamID { throw .goAway(code: record.code, lastStreamID: last, debug: record.debug) }
            goAway = record
        case .pushPromise:
            throw .protocolViolation("PUSH_PROMISE although SETTINGS_ENABLE_PUSH is 0")
        case .priority:
            break
        }
    }

    private mutating func settings(_ frame: HTTP2Frame) throws(UnaryGRPCError) {
        guard frame.streamID == 0 else { throw .protocolViolation("SETTINGS on stream \(frame.streamID)") }
        if frame.has(HTTP2Frame.Flag.ack) {
            guard frame.payload.isEmpty else { throw .protocolViolation("a SETTINGS ACK with a payload (FRAME_SIZE_ERROR)") }
            return
        }
        guard frame.payload.count % 6 == 0 else { throw .protocolViolation("a SETTINGS frame of \(frame.payload.count) bytes (FRAME_SIZE_ERROR)") }
        for i in stride(from: 0, to: frame.payload.count, by: 6) {
            let id = UInt16(frame.payload[i]) << 8 | UInt16(frame.payload[i + 1])
            let value = Int(BigEndian.uint32(frame.payload, at: i + 2))
            switch HTTP2Frame.Setting(rawValue: id) {
            case .initialWindowSize:
                guard value <= HTTP2Frame.maxWindowSize else { throw .protocolViolation("SETTINGS_INITIAL_WINDOW_SIZE \(value) (FLOW_CONTROL_ERROR)") }
                // §6.9.2: the change applies to open streams' windows.
                streamSendWindow += value - peerInitialWindow
                peerInitialWindow = value
            case .maxFrameSize:
                guard (16_384...16_777_215).contains(value) else { throw .protocolViolation("SETTINGS_MAX_FRAME_SIZE \(value)") }
                peerMaxFrameSize = value
            default:
                break  // header table size (we never index), push, concurrency, list size: nothing to do
            }
        }
        try send(HTTP2Frame(.settings, flags: HTTP2Frame.Flag.ack))
        try sendBody()
    }

    private mutating func windowUpdate(_ frame: HTTP2Frame) throws(UnaryGRPCError) {
        guard frame.payload.count == 4 else { throw .protocolViolation("a WINDOW_UPDATE of \(frame.payload.count) bytes") }
        let increment = Int(BigEndian.uint32(frame.payload, at: 0) & 0x7FFF_FFFF)
        guard increment > 0 else { throw .protocolViolation("a WINDOW_UPDATE of 0 on stream \(frame.streamID)") }
        if frame.streamID == 0 {
            connectionSendWindow += increment
            guard connectionSendWindow <= HTTP2Frame.maxWindowSize else { throw .protocolViolation("the connection window exceeds 2^31-1 (FLOW_CONTROL_ERROR)") }
        } else if frame.streamID == Self.streamID {
            streamSendWindow += increment
            guard streamSendWindow <= HTTP2Frame.maxWindowSize else { throw .protocolViolation("the stream window exceeds 2^31-1 (FLOW_CONTROL_ERROR)") }
        }
        try sendBody()
    }

    private mutating func headerBlock(_ frame: HTTP2Frame) throws(UnaryGRPCError) {
        var block: [UInt8]
        var endStream: Bool
        if frame.kind == .headers {
            guard partialBlock == nil else { throw .protocolViolation("HEADERS while a header block awaited CONTINUATION") }
            guard frame.streamID != 0 else { throw .protocolViolation("HEADERS on stream 0") }
            block = Array(try frame.unpaddedPayload())
            endStream = frame.has(HTTP2Frame.Flag.endStream)
        } else {
            guard let partial = partialBlock, partial.streamID == frame.streamID else {
                throw .protocolViolation("CONTINUATION without a header block to continue on stream \(frame.streamID)")
            }
            block = partial.bytes + frame.payload
            endStream = partial.endStream
        }
        guard block.count <= Self.maxHeaderListSize else {
            throw .compression("a header block of more than \(Self.maxHeaderListSize) bytes")
        }
        guard frame.has(HTTP2Frame.Flag.endHeaders) else {
            partialBlock = (frame.streamID, block, endStream)
            return
        }
        partialBlock = nil
        // Decoded whatever the stream: the dynamic table must stay in step.
        let fields = try hpack.decode(block)
        guard frame.streamID == Self.streamID else { return }
        if answer.headers == nil {
            // 1xx informational headers precede the real ones (§8.1).
            if let status = GRPCAnswer.value(":status", in: fields), status.hasPrefix("1"), !endStream { return }
            answer.headers = fields
            try answer.checkHeaders()
        } else {
            guard endStream else { throw .protocolViolation("a second header block that does not end the stream") }
            answer.trailers = fields
        }
        if endStream { ended = true }
    }

    private mutating func data(_ frame: HTTP2Frame) throws(UnaryGRPCError) {
        guard frame.streamID == Self.streamID else {
            throw .protocolViolation("DATA on stream \(frame.streamID), which the client did not open")
        }
        guard answer.headers != nil else { throw .protocolViolation("DATA before the response headers") }
        // Flow control counts the whole payload, padding included (§6.9.1).
        let size = frame.payload.count
        connectionReceiveWindow -= size
        streamReceiveWindow -= size
        guard connectionReceiveWindow >= 0, streamReceiveWindow >= 0 else {
            throw .protocolViolation("the server sent more DATA than the window allowed (FLOW_CONTROL_ERROR)")
        }
        answer.body += try frame.unpaddedPayload()
        try answer.checkSize(limit: maxAnswerBytes)
        if frame.has(HTTP2Frame.Flag.endStream) {
            ended = true
            return
        }
        // Refill both windows once half is used, so answers of any size keep coming.
        var updates: [UInt8] = []
        let full = HTTP2Frame.defaultWindowSize
        if connectionReceiveWindow <= full / 2 {
            updates += HTTP2Frame.windowUpdate(streamID: 0, increment: UInt32(full - connectionReceiveWindow)).encoded()
            connectionReceiveWindow = full
        }
        if streamReceiveWindow <= full / 2 {
            updates += HTTP2Frame.windowUpdate(streamID: Self.streamID, increment: UInt32(full - streamReceiveWindow)).encoded()
            streamReceiveWindow = full
        }
        if !updates.isEmpty { try write(updates) }
    }

    private mutating func send(_ frame: HTTP2Frame) throws(UnaryGRPCError) {
        try write(frame.encoded())
    }

    /// A server may answer and close before reading all we sent (an early
    /// error, or our last ACKs): then the answer decides, not the failed write.
    private mutating func write(_ bytes: [UInt8]) throws(UnaryGRPCError) {
        guard !writesFailed else { return }
        do {
            try socket.send(bytes, deadline: deadline, waitingFor: "the server to read the request")
        } catch .connectionClosed {
            writesFailed = true
        }
    }
}
