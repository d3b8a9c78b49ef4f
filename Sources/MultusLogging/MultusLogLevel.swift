import Logging

/// Multus's four log levels, least verbose first. A threshold lets through its
/// own level and every level before it.
package enum MultusLogLevel: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case panic = 0
    case error
    case verbose
    case debug

    /// Parses a level name the way Multus does: case-insensitive; nil when unknown.
    package init?(name: String) {
        switch name.lowercased() {
        case "panic": self = .panic
        case "error": self = .error
        case "verbose": self = .verbose
        case "debug": self = .debug
        default: return nil
        }
    }

    /// The word Multus prints between brackets.
    package var name: String {
        switch self {
        case .panic: "panic"
        case .error: "error"
        case .verbose: "verbose"
        case .debug: "debug"
        }
    }

    package var description: String { name }

    /// The Multus level a swift-log level is printed as. Multus has no warning
    /// level: a warning is not a failure, so it is printed as `verbose` (and is
    /// hidden at `logLevel: error`); code that reports a failure logs `.error`.
    package init(_ level: Logger.Level) {
        switch level {
        case .critical: self = .panic
        case .error: self = .error
        case .warning, .notice, .info: self = .verbose
        case .debug, .trace: self = .debug
        }
    }

    /// The lowest swift-log level that passes this threshold.
    package var loggerLevel: Logger.Level {
        switch self {
        case .panic: .critical
        case .error: .error
        case .verbose: .info
        case .debug: .trace
        }
    }

    package static func < (lhs: MultusLogLevel, rhs: MultusLogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}
