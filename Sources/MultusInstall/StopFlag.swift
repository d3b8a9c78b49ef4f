import Synchronization
import SystemSupport

/// Tells the watch loop to finish. Setting it is a single atomic store, so a
/// signal handler may call `stop()`.
package final class StopFlag: Sendable {
    private let stopped = Atomic<Bool>(false)

    package init() {}

    package func stop() { stopped.store(true, ordering: .sequentiallyConsistent) }

    package var isStopped: Bool { stopped.load(ordering: .sequentiallyConsistent) }

    /// Sleeps for `duration` on `time`, in slices of at most 50 ms so that a
    /// stop is seen promptly; true when stopped.
    @discardableResult
    package func sleep(_ duration: Duration, on time: any TimeSource = SystemTime()) -> Bool {
        let slice = Duration.milliseconds(50)
        var left = duration
        while left > .zero && !isStopped {
            let step = min(left, slice)
            time.sleep(for: step)
            left -= step
        }
        return isStopped
    }
}
