#if canImport(Glibc)
import Glibc
#endif

/// Monotonic time and sleeping, behind a protocol so that waits (readiness
/// file, API retries, install polling) are tested without waiting.
package protocol TimeSource: Sendable {
    /// Time since an arbitrary fixed point; only differences mean anything.
    var now: Duration { get }
    func sleep(for duration: Duration)
}

/// The machine's monotonic clock and nanosleep(2).
package struct SystemTime: TimeSource {
    package init() {}

    package var now: Duration {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return .seconds(Int(ts.tv_sec)) + .nanoseconds(Int(ts.tv_nsec))
    }

    package func sleep(for duration: Duration) {
        guard duration > .zero else { return }
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var left = timespec()
        while nanosleep(&request, &left) != 0 && errno == EINTR { request = left }
    }
}

extension Duration {
    /// Whole milliseconds, for messages and poll(2) timeouts.
    package var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
