import CNISpec

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
