import Logging
import SystemSupport

/// A swift-log handler that writes Multus's log lines,
/// `2026-11-23T08:52:45Z [verbose] ADD starting...`, to the log file and/or stderr.
///
/// Levels: critical → panic, error → error, warning/notice/info → verbose,
/// debug/trace → debug (see `MultusLogLevel.init(_:)`). The threshold comes
/// from `LogSettings.logLevel` through `logLevel`, which `Logger` checks
/// before calling us. Metadata, if any, follows the message as ` key=value`.
/// Secrets are masked in every line (see `redactedForLog(_:)`).
package struct MultusLogHandler: LogHandler {
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?
    package var logLevel: Logger.Level
    let sinks: [any LogLineSink]

    package init(settings: LogSettings) {
        self.init(settings: settings, standardError: FileDescriptorSink.standardError)
    }

    /// `standardError` stands in for fd 2 in tests.
    init(settings: LogSettings, standardError: any LogLineSink) {
        var sinks: [any LogLineSink] = []
        if settings.logToStderr { sinks.append(standardError) }
        if let file = settings.logFile, !file.isEmpty {
            sinks.append(RotatingLogFile(path: file, options: settings.logOptions))
        }
        self.sinks = sinks
        self.logLevel = settings.logLevel.loggerLevel
    }

    /// A handler over given sinks (tests).
    init(logLevel: MultusLogLevel, sinks: [any LogLineSink]) {
        self.sinks = sinks
        self.logLevel = logLevel.loggerLevel
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        guard !sinks.isEmpty else { return }
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        let line = Self.line(
            time: WallClock.now().rfc3339Local,
            level: MultusLogLevel(event.level),
            message: event.message.description,
            metadata: merged
        )
        let bytes = Array(line.utf8)
        for sink in sinks { sink.write(bytes) }
    }

    /// One finished line, newline included.
    static func line(time: String, level: MultusLogLevel, message: String, metadata: Logger.Metadata = [:]) -> String {
        var text = time + " [" + level.name + "] " + message
        for key in metadata.keys.sorted() {
            let value = isSecretKey(key) ? redactedPlaceholder : metadata[key]!.description
            text += " " + key + "=" + value
        }
        return redactedForLog(text) + "\n"
    }
}
