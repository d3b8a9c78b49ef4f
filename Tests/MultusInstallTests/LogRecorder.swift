@testable import MultusInstall

/// Collects the installer's log lines for assertions.
final class LogRecorder: Sendable {
    private let store = Locked<[String]>([])

    var log: InstallLog {
        InstallLog { [store] level, message in store.withLock { $0.append("[\(level.rawValue)] \(message)") } }
    }

    var lines: [String] { store.withLock { $0 } }
}
