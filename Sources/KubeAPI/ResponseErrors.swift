import AsyncHTTPClient
import CNISpec
import SystemSupport
import NIOCore
import NIOPosix
import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A non-2xx answer: the API server's `Status` body when there is one,
/// otherwise the HTTP status and the start of whatever came back.
enum StatusBody {
    static func error(code: Int, reasonPhrase: String, body: [UInt8]) -> KubeError {
        if let json = try? JSONValue(parsing: body), json["kind"]?.stringValue == "Status" {
            let reason = json["reason"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? defaultReason(code, reasonPhrase)
            let message = json["message"]?.stringValue ?? ""
            return .status(code: json["code"]?.intValue ?? code, reason: reason, message: message)
        }
        var text = String(decoding: body.prefix(256), as: UTF8.self).trimmingSpace
        if body.count > 256 { text += "…" }
        return .status(code: code, reason: defaultReason(code, reasonPhrase), message: text.isEmpty ? reasonPhrase : text)
    }

    /// The `StatusReason` the API server would have used.
    static func defaultReason(_ code: Int, _ phrase: String) -> String {
        switch code {
        case 400: "BadRequest"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "NotFound"
        case 405: "MethodNotAllowed"
        case 406: "NotAcceptable"
        case 409: "Conflict"
        case 410: "Expired"
        case 413: "RequestEntityTooLarge"
        case 415: "UnsupportedMediaType"
        case 422: "Invalid"
        case 429: "TooManyRequests"
        case 500: "InternalError"
        case 503: "ServiceUnavailable"
        case 504: "Timeout"
        default: phrase.replacingSpaces()
        }
    }
}

extension String {
    fileprivate func replacingSpaces() -> String { String(filter { $0 != " " }) }
}

/// Failures below HTTP: which ones are worth another try, and a message that
/// says what went wrong without quoting anything secret.
enum TransportFailure {
    static func classify(_ error: any Error, what: String, server: String) -> KubeClient.Outcome {
        if let ssl = error as? NIOSSLError {
            return .failure(.transport("\(what): TLS handshake with \(server) failed: \(describe(ssl))"))
        }
        if let extra = error as? NIOSSLExtraError {
            return .failure(.transport("\(what): TLS with \(server) failed: \(extra)"))
        }
        if error is BoringSSLError {
            return .failure(.transport("\(what): TLS with \(server) failed: \(briefReason("\(error)"))"))
        }
        if let http = error as? HTTPClientError {
            switch http {
            case .remoteConnectionClosed:
                return .retry(.transport("\(what): \(server) closed the connection"), after: nil)
            case .connectTimeout:
                return .failure(.transport("\(what): connecting to \(server) timed out"))
            case .tlsHandshakeTimeout:
                return .failure(.transport("\(what): TLS handshake with \(server) timed out"))
            case .readTimeout, .deadlineExceeded:
                return .failure(.transport("\(what): \(server) did not answer in time"))
            case .cancelled:
                return .failure(.transport("\(what): cancelled"))
            case .alreadyShutdown:
                return .failure(.transport("\(what): the client was already shut down"))
            default:
                return .failure(.transport("\(what): \(http)"))
            }
        }
        if let connection = error as? NIOConnectionError {
            let errors = connection.connectionErrors.map(\.error)
            if let first = errors.first {
                return classifyIO(first, what: what, server: server)
            }
            let dns = [connection.dnsAError, connection.dnsAAAAError].compactMap { $0 }
            if !dns.isEmpty {
                return .failure(.transport("\(what): cannot resolve \(connection.host): \(dns.map { "\($0)" }.joined(separator: "; "))"))
            }
            return .failure(.transport("\(what): cannot connect to \(server)"))
        }
        return classifyIO(error, what: what, server: server)
    }

    private static func classifyIO(_ error: any Error, what: String, server: String) -> KubeClient.Outcome {
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED:
                return .retry(.transport("\(what): connection to \(server) refused"), after: nil)
            case ECONNRESET, EPIPE, ECONNABORTED:
                return .retry(.transport("\(what): connection to \(server) reset"), after: nil)
            case EHOSTUNREACH, ENETUNREACH:
                return .retry(.transport("\(what): \(server) unreachable (\(Errno.text(io.errnoCode)))"), after: nil)
            default:
                return .failure(.transport("\(what): \(server): \(Errno.text(io.errnoCode))"))
            }
        }
        if let channel = error as? ChannelError {
            switch channel {
            case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed:
                return .retry(.transport("\(what): connection to \(server) closed early"), after: nil)
            case .connectTimeout:
                return .failure(.transport("\(what): connecting to \(server) timed out"))
            default:
                return .failure(.transport("\(what): \(server): \(channel)"))
            }
        }
        if error is CancellationError { return .failure(.transport("\(what): cancelled")) }
        return .failure(.transport("\(what): \(server): \(error)"))
    }

    private static func describe(_ error: NIOSSLError) -> String {
        guard case .handshakeFailed(let boring) = error else { return "\(error)" }
        let reason = briefReason("\(boring)")
        if reason.contains("CERTIFICATE_VERIFY_FAILED") {
            return "the server certificate is not trusted (check certificate-authority and tls-server-name): \(reason)"
        }
        return reason
    }

    /// BoringSSL's error stack names source files; keep the reason codes
    /// ("CERTIFICATE_VERIFY_FAILED", "TLSV1_ALERT_UNKNOWN_CA").
    static func briefReason(_ text: String) -> String {
        var reasons: [String] = []
        var rest = Substring(text)
        while let range = rest.range(of: "OPENSSL_internal:") {
            let tail = rest[range.upperBound...]
            let reason = tail.prefix { !$0.isWhitespace && $0 != "]" && $0 != ")" }
            if !reason.isEmpty, !reasons.contains(String(reason)) { reasons.append(String(reason)) }
            rest = tail
        }
        return reasons.isEmpty ? text : reasons.joined(separator: ", ")
    }
}

/// Percent-encoding for the few places we build URLs.
enum URLEncoding {
    /// RFC 3986 unreserved characters stay; everything else is %XX.
    static func queryValue(_ value: String) -> String { encode(value, keeping: unreserved) }
    static func pathSegment(_ value: String) -> String { encode(value, keeping: unreserved) }

    private static let unreserved: Set<UInt8> = Set(
        Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8))

    private static func encode(_ value: String, keeping allowed: Set<UInt8>) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in value.utf8 {
            if allowed.contains(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
