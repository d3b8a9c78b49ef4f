import SystemSupport

/// Where the installer reports what it did: one line per event, in Multus's
/// `<RFC3339> [<level>] <message>` shape, so the pod log reads like Multus's.
package struct InstallLog: Sendable {
    package enum Level: String, Sendable { case info = "verbose", warning = "warning", error = "error" }

    package var sink: @Sendable (Level, String) -> Void

    package init(sink: @escaping @Sendable (Level, String) -> Void) { self.sink = sink }

    package func info(_ message: String) { sink(.info, message) }
    package func warning(_ message: String) { sink(.warning, message) }
    package func error(_ message: String) { sink(.error, message) }

    /// Information to stdout, warnings and errors to stderr, each line flushed at once.
    package static let standard = InstallLog { level, message in
        let line = "\(WallClock.now().rfc3339UTC) [\(level.rawValue)] \(message)\n"
        if level == .info { StandardStreams.output(line) } else { StandardStreams.error(line) }
    }

    package static let silent = InstallLog { _, _ in }
}
