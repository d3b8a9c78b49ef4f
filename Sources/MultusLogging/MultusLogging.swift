import Logging
import SystemSupport

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

extension MultusLogging {
    /// A failed CNI call always reaches the log file at level error, whatever
    /// `logLevel` says (below error, the line goes to the file alone); an
    /// operator looking at the file must see why a pod got no network.
    package static func logFailure(_ message: String, settings: LogSettings, logger: Logger) {
        if logger.logLevel <= .error {
            logger.error("\(message)")
        } else if let file = settings.logFile {
            RotatingLogFile(path: file, options: settings.logOptions)
                .write(Array(MultusLogHandler.line(time: WallClock.now().rfc3339Local, level: .error, message: message).utf8))
        }
    }
}
