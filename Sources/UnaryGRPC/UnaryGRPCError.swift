/// Why a unary gRPC call failed. Each message says what happened, in the
/// words of the layer it happened in (socket, HTTP/2, HPACK, gRPC).
package enum UnaryGRPCError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The unix socket could not be reached.
    case connect(path: String, reason: String)
    /// Reading or writing the socket failed.
    case io(String)
    /// The server closed the connection before the answer was complete.
    case connectionClosed(waitingFor: String)
    /// The call's deadline passed.
    case deadlineExceeded(milliseconds: Int, waitingFor: String)
    /// The server broke HTTP/2 (RFC 9113).
    case protocolViolation(String)
    /// A header block could not be decoded (RFC 7541; COMPRESSION_ERROR).
    case compression(String)
    /// The server reset the call's stream (RST_STREAM).
    case streamReset(code: UInt32)
    /// The server is shutting the connection down (GOAWAY) without handling the call.
    case goAway(code: UInt32, lastStreamID: UInt32, debug: String)
    /// The answer's :status is not 200.
    case httpStatus(String, contentType: String?)
    /// The answer is not gRPC (content-type), or ended without grpc-status.
    case notGRPC(String)
    /// grpc-status ≠ 0, with grpc-message percent-decoded.
    case status(code: Int, message: String)
    /// The message is compressed (we offer no compression).
    case compressedMessage
    /// The body is not exactly one gRPC length-prefixed message.
    case malformedMessage(String)
    /// The answer exceeds the size cap.
    case answerTooLarge(bytes: Int, limit: Int)

    package var description: String {
        switch self {
        case .connect(let path, let reason): "cannot connect to \(path): \(reason)"
        case .io(let what): what
        case .connectionClosed(let waitingFor): "the server closed the connection while we waited for \(waitingFor)"
        case .deadlineExceeded(let ms, let waitingFor): "no answer within \(ms) ms (waiting for \(waitingFor))"
        case .protocolViolation(let what): "HTTP/2 protocol error: \(what)"
        case .compression(let what): "HPACK header block cannot be decoded: \(what) (COMPRESSION_ERROR)"
        case .streamReset(let code): "the server reset the stream (RST_STREAM \(HTTP2ErrorCode.name(code)))"
        case .goAway(let code, let last, let debug):
            "the server sent GOAWAY (\(HTTP2ErrorCode.name(code)), last stream \(last)) before answering"
                + (debug.isEmpty ? "" : ": \(debug)")
        case .httpStatus(let status, let contentType):
            "HTTP status \(status)" + (contentType.map { " (content-type \($0))" } ?? "") + ", not a gRPC answer"
        case .notGRPC(let what): what
        case .status(let code, let message):
            "grpc-status \(code)" + (message.isEmpty ? "" : ": \(message)") + " (\(GRPCStatusName.of(code)))"
        case .compressedMessage: "the answer is a compressed gRPC message, but no compression was offered"
        case .malformedMessage(let what): what
        case .answerTooLarge(let bytes, let limit): "the answer (\(bytes) bytes or more) exceeds the \(limit)-byte limit"
        }
    }
}

/// gRPC status code names (grpc/doc/statuscodes.md), for messages.
enum GRPCStatusName {
    static func of(_ code: Int) -> String {
        let names = ["OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
                     "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
                     "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"]
        return code >= 0 && code < names.count ? names[code] : "code \(code)"
    }
}
