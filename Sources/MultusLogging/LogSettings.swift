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
        let f = JSONFields(object)
        logFile = try f.nonEmptyString("logFile")
        if let level = try f.string("logLevel"), let parsed = MultusLogLevel(name: level) { logLevel = parsed }
        logToStderr = try f.bool("logToStderr") ?? true
        if let options = try f.object("logOptions") { logOptions = try LogOptions(options) }
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

    package static let defaultMaxSize = 100

    package init(maxSize: Int = 100, maxAge: Int = 5, maxBackups: Int = 5, compress: Bool = true) {
        self.maxSize = maxSize
        self.maxAge = maxAge
        self.maxBackups = maxBackups
        self.compress = compress
    }

    /// The size in bytes past which the file is rotated.
    package var maxSizeBytes: Int64 {
        return Int64(maxSize > 0 ? maxSize : Self.defaultMaxSize) * 1_048_576
    }

    /// Multus decodes these into Go `int`s: a fraction or a string is an error.
    init(_ f: JSONFields) throws(CNIError) {
        self.init()
        if let v = try f.int("maxSize") { maxSize = v }
        if let v = try f.int("maxAge") { maxAge = v }
        if let v = try f.int("maxBackups") { maxBackups = v }
        if let v = try f.bool("compress") { compress = v }
    }
}
