import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Tells the watch loop to finish. Setting it is a single atomic store, so a
/// signal handler may call `stop()`.
package final class StopFlag: Sendable {
    private let stopped = Atomic<Bool>(false)

    package init() {}

    package func stop() { stopped.store(true, ordering: .sequentiallyConsistent) }

    package var isStopped: Bool { stopped.load(ordering: .sequentiallyConsistent) }

    /// Sleeps for `duration`, waking early once stopped; true when stopped.
    @discardableResult
    package func sleep(_ duration: Duration) -> Bool {
        let slice = Duration.milliseconds(50)
        var left = duration
        while left > .zero && !isStopped {
            let step = min(left, slice)
            let (seconds, attoseconds) = step.components
            var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
            var remaining = timespec()
            _ = nanosleep(&request, &remaining)
            left -= step
        }
        return isStopped
    }
}
