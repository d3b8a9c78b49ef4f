import CNISpec
import Glibc

/// Multus's `readinessindicatorfile`: a file the default network writes once it
/// is up. ADD, STATUS and GC wait for it; DEL only looks once.
package struct ReadinessIndicator: Sendable {
    package let path: String
    package let pollInterval: Duration
    package let timeout: Duration

    package init(path: String, pollInterval: Duration = .seconds(1), timeout: Duration = .seconds(45)) {
        self.path = path
        self.pollInterval = pollInterval
        self.timeout = timeout
    }

    /// Whether the file exists now (stat(2) succeeds, as Go's `os.Stat`). An
    /// empty path means no indicator is configured, which counts as ready.
    package func isReady() -> Bool {
        guard !path.isEmpty else { return true }
        var info = stat()
        return stat(path, &info) == 0
    }

    /// Polls at once and then every `pollInterval` until the file exists, like
    /// Multus's `wait.PollImmediate(1s, 45s)`; after `timeout` it fails with
    /// code 11 (try again later) and Multus's message.
    package func waitUntilReady() throws(CNIError) {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            if isReady() { return }
            let remaining = clock.now.duration(to: deadline)
            if remaining <= .zero {
                throw CNIError(
                    code: CNIError.tryAgainLater,
                    msg: "have you checked that your default network is ready? still waiting for "
                        + "readinessindicatorfile @ \(path). pollimmediate error: timed out waiting for the condition"
                )
            }
            // A zero or negative interval would spin: poll at most every 10 ms.
            sleep(for: min(max(pollInterval, .milliseconds(10)), remaining))
        }
    }

    private func sleep(for duration: Duration) {
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var left = timespec()
        while nanosleep(&request, &left) != 0 && errno == EINTR {
            request = left
        }
    }
}
