import Synchronization
import SystemSupport

/// A clock that only moves when somebody sleeps: waits and backoffs are
/// tested in no time, and the total slept is there to be checked.
package final class FakeTime: TimeSource {
    private let elapsed = Mutex<Duration>(.zero)
    private let sleeps = Mutex<[Duration]>([])

    package init() {}

    package var now: Duration { elapsed.withLock { $0 } }

    package func sleep(for duration: Duration) {
        sleeps.withLock { $0.append(duration) }
        elapsed.withLock { $0 += max(duration, .zero) }
    }

    package var slept: [Duration] { sleeps.withLock { $0 } }
}
