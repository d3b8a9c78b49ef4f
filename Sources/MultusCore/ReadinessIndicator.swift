import CNISpec
import SystemSupport

/// Multus's `readinessindicatorfile`: a file the default network writes once it
/// is up. ADD, STATUS and GC wait for it; DEL only looks once.
package struct ReadinessIndicator: Sendable {
    package let path: String
    package let pollInterval: Duration
    package let timeout: Duration
    let time: any TimeSource

    package init(path: String, pollInterval: Duration = .seconds(1), timeout: Duration = .seconds(45),
                 time: any TimeSource = SystemTime()) {
        self.path = path
        self.pollInterval = pollInterval
        self.timeout = timeout
        self.time = time
    }

    /// Whether the file exists now (as Go's `os.Stat`). An empty path means no
    /// indicator is configured, which counts as ready.
    package func isReady() -> Bool { path.isEmpty || FileSystem.exists(path) }

    /// Polls at once and then every `pollInterval` until the file exists, like
    /// Multus's `wait.PollImmediate(1s, 45s)`; after `timeout` it fails with
    /// code 11 (try again later) and Multus's message.
    package func waitUntilReady() throws(CNIError) {
        let deadline = time.now + timeout
        while true {
            if isReady() { return }
            let remaining = deadline - time.now
            if remaining <= .zero {
                throw CNIError(
                    code: CNIError.tryAgainLater,
                    msg: "have you checked that your default network is ready? still waiting for "
                        + "readinessindicatorfile @ \(path). pollimmediate error: timed out waiting for the condition"
                )
            }
            // A zero or negative interval would spin: poll at most every 10 ms.
            time.sleep(for: min(max(pollInterval, .milliseconds(10)), remaining))
        }
    }
}
