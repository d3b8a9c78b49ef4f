#if canImport(Glibc)
import Glibc
#endif

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
        write("\(timestamp()) [\(level.rawValue)] \(message)\n", to: level == .info ? 1 : 2)
    }

    /// Text as it is (usage, Go's plain messages) on standard output or error.
    package static func writeStandardOutput(_ text: String) { write(text, to: 1) }
    package static func writeStandardError(_ text: String) { write(text, to: 2) }

    private static func write(_ text: String, to fd: Int32) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            offset += n
        }
    }

    package static let silent = InstallLog { _, _ in }

    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let n = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
