import CNISpec

/// Where and how much multus-swift logs, read from the multus config
/// (`logFile`, `logLevel`, `logToStderr`, `logOptions`), with Multus's defaults.
package struct LogSettings: Sendable, Equatable {
    /// The log file; nil (or an empty string in the config) logs to no file.
    package var logFile: String?
    package var logLevel: MultusLogLevel
    package var logToStderr: Bool
    package var logOptions: LogOptions

    package init(
        logFile: String? = nil,
        logLevel: MultusLogLevel = .panic,
        logToStderr: Bool = true,
        logOptions: LogOptions = LogOptions()
    ) {
        self.logFile = logFile
        self.logLevel = logLevel
        self.logToStderr = logToStderr
        self.logOptions = logOptions
    }

    /// Reads the logging fields of a multus config. A field of the wrong JSON
    /// type is an invalid config (code 7); `null` counts as absent. An unknown
    /// `logLevel` keeps the default, as Multus does.
    package init(config: JSONValue) throws(CNIError) {
        guard case .object(let object) = config else {
            throw CNIError.invalidConfig("the multus config must be a JSON object, got \(config.kindName)")
        }
        self.init()
        if let file = try Self.string(object["logFile"], "logFile"), !file.isEmpty {
            logFile = file
        }
        if let level = try Self.string(object["logLevel"], "logLevel"), let parsed = MultusLogLevel(name: level) {
            logLevel = parsed
        }
        if let toStderr = try Self.bool(object["logToStderr"], "logToStderr") {
            logToStderr = toStderr
        }
        switch object["logOptions"] {
        case nil, .null?: break
        case .object(let options)?: logOptions = try LogOptions(options)
        case let other?: throw CNIError.invalidConfig("logOptions must be an object, got \(other.kindName)")
        }
    }

    static func string(_ value: JSONValue?, _ field: String) throws(CNIError) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case let other?: throw CNIError.invalidConfig("\(field) must be a string, got \(other.kindName)")
        }
    }

    static func bool(_ value: JSONValue?, _ field: String) throws(CNIError) -> Bool? {
        switch value {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        case let other?: throw CNIError.invalidConfig("\(field) must be a boolean, got \(other.kindName)")
        }
    }
}

/// Multus's `logOptions` (lumberjack's settings). As in lumberjack, `maxSize`
/// 0 or less means the 100 MB default, and `maxAge`/`maxBackups` 0 or less
/// mean no limit.
package struct LogOptions: Sendable, Equatable {
    /// Megabytes (2^20 bytes) the log file may reach before it is rotated.
    package var maxSize: Int
    /// Days a rotated file is kept.
    package var maxAge: Int
    /// Rotated files kept.
    package var maxBackups: Int
    /// Whether rotated files are gzipped.
    package var compress: Bool
    /// A threshold in bytes that replaces `maxSize`; tests rotate after a few hundred bytes.
    var maxSizeBytesOverride: Int64?

    package static let defaultMaxSize = 100

    package init(maxSize: Int = 100, maxAge: Int = 5, maxBackups: Int = 5, compress: Bool = true) {
        self.maxSize = maxSize
        self.maxAge = maxAge
        self.maxBackups = maxBackups
        self.compress = compress
    }

    init(maxSizeBytes: Int64, maxAge: Int = 5, maxBackups: Int = 5, compress: Bool = true) {
        self.init(maxSize: Self.defaultMaxSize, maxAge: maxAge, maxBackups: maxBackups, compress: compress)
        maxSizeBytesOverride = maxSizeBytes
    }

    /// The size in bytes past which the file is rotated.
    package var maxSizeBytes: Int64 {
        if let maxSizeBytesOverride { return max(1, maxSizeBytesOverride) }
        return Int64(maxSize > 0 ? maxSize : Self.defaultMaxSize) * 1_048_576
    }

    init(_ object: JSONObject) throws(CNIError) {
        self.init()
        if let v = try Self.integer(object["maxSize"], "maxSize") { maxSize = v }
        if let v = try Self.integer(object["maxAge"], "maxAge") { maxAge = v }
        if let v = try Self.integer(object["maxBackups"], "maxBackups") { maxBackups = v }
        if let v = try LogSettings.bool(object["compress"], "logOptions.compress") { compress = v }
    }

    /// Multus decodes these into Go `int`s: a fraction or a string is an error.
    private static func integer(_ value: JSONValue?, _ field: String) throws(CNIError) -> Int? {
        switch value {
        case nil, .null?: return nil
        case .number(let text)?:
            guard let n = Int(text) else {
                throw CNIError.invalidConfig("logOptions.\(field) must be an integer, got \(text)")
            }
            return n
        case let other?: throw CNIError.invalidConfig("logOptions.\(field) must be a number, got \(other.kindName)")
        }
    }
}
