import Logging

/// Loggers for multus-swift. No `LoggingSystem.bootstrap`: that may run only
/// once per process, and the settings are known only after the config is read.
package enum MultusLogging {
    /// A logger that writes Multus's lines where `settings` say. The log file is
    /// opened on the first line that passes the threshold, not before.
    package static func makeLogger(settings: LogSettings, label: String = "multus-swift") -> Logger {
        makeLogger(settings: settings, label: label, standardError: FileDescriptorSink.standardError)
    }

    static func makeLogger(settings: LogSettings, label: String, standardError: any LogLineSink) -> Logger {
        let handler = MultusLogHandler(settings: settings, standardError: standardError)
        return Logger(label: label) { _ in handler }
    }
}
