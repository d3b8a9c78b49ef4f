/// The CNI error object (SPEC "Error"), which every failure becomes on stdout.
public struct CNIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var msg: String
    public var details: String

    public init(code: Int, msg: String, details: String = "") {
        self.code = code
        self.msg = msg
        self.details = details
    }

    // Well-known codes from the spec; 100+ are plugin-specific.
    public static let incompatibleVersion = 1
    public static let unsupportedField = 2
    public static let unknownContainer = 3
    public static let invalidEnvironment = 4
    public static let ioFailure = 5
    public static let decodingFailure = 6
    public static let invalidNetworkConfig = 7
    public static let tryAgainLater = 11
    public static let statusUnavailable = 50
    public static let statusUnavailableNetwork = 51
    /// What Multus uses for its own internal errors.
    public static let multusInternal = 999

    public static func invalidConfig(_ msg: String, details: String = "") -> CNIError {
        CNIError(code: invalidNetworkConfig, msg: msg, details: details)
    }

    public static func invalidEnv(_ msg: String) -> CNIError {
        CNIError(code: invalidEnvironment, msg: msg)
    }

    public static func io(_ msg: String, details: String = "") -> CNIError {
        CNIError(code: ioFailure, msg: msg, details: details)
    }

    public static func decoding(_ msg: String, details: String = "") -> CNIError {
        CNIError(code: decodingFailure, msg: msg, details: details)
    }

    public var description: String { details.isEmpty ? msg : "\(msg); \(details)" }

    /// The same error with context put in front of the message; the code is kept.
    public func prefixed(_ context: String) -> CNIError {
        CNIError(code: code, msg: "\(context): \(msg)", details: details)
    }

    public func json(cniVersion: String) -> JSONValue {
        var object = JSONObject([("cniVersion", .string(cniVersion)), ("code", .int(code)), ("msg", .string(msg))])
        if !details.isEmpty { object["details"] = .string(details) }
        return .object(object)
    }

    /// Reads a plugin's error object; nil when the bytes are not one.
    public init?(json: JSONValue) {
        guard let code = json["code"]?.intValue else { return nil }
        self.init(code: code, msg: json["msg"]?.stringValue ?? "", details: json["details"]?.stringValue ?? "")
    }
}
