/// The CNI error object (SPEC "Error"), which every failure becomes on stdout.
package struct CNIError: Error, Sendable, Equatable, CustomStringConvertible {
    package var code: Int
    package var msg: String
    package var details: String

    package init(code: Int, msg: String, details: String = "") {
        self.code = code
        self.msg = msg
        self.details = details
    }

    // Well-known codes from the spec; 100+ are plugin-specific.
    package static let incompatibleVersion = 1
    package static let unsupportedField = 2
    package static let unknownContainer = 3
    package static let invalidEnvironment = 4
    package static let ioFailure = 5
    package static let decodingFailure = 6
    package static let invalidNetworkConfig = 7
    package static let tryAgainLater = 11
    package static let statusUnavailable = 50
    package static let statusUnavailableNetwork = 51
    /// What Multus uses for its own internal errors.
    package static let multusInternal = 999

    package static func invalidConfig(_ msg: String, details: String = "") -> CNIError {
        CNIError(code: invalidNetworkConfig, msg: msg, details: details)
    }

    package static func invalidEnv(_ msg: String) -> CNIError {
        CNIError(code: invalidEnvironment, msg: msg)
    }

    package static func io(_ msg: String, details: String = "") -> CNIError {
        CNIError(code: ioFailure, msg: msg, details: details)
    }

    package static func decoding(_ msg: String, details: String = "") -> CNIError {
        CNIError(code: decodingFailure, msg: msg, details: details)
    }

    package var description: String { details.isEmpty ? msg : "\(msg); \(details)" }

    /// The same error with context put in front of the message; the code is kept.
    package func prefixed(_ context: String) -> CNIError {
        CNIError(code: code, msg: "\(context): \(msg)", details: details)
    }

    package func json(cniVersion: String) -> JSONValue {
        var object = JSONObject([("cniVersion", .string(cniVersion)), ("code", .int(code)), ("msg", .string(msg))])
        if !details.isEmpty { object["details"] = .string(details) }
        return .object(object)
    }

    /// Reads a plugin's error object; nil when the bytes are not one.
    package init?(json: JSONValue) {
        guard let code = json["code"]?.intValue else { return nil }
        self.init(code: code, msg: json["msg"]?.stringValue ?? "", details: json["details"]?.stringValue ?? "")
    }
}
