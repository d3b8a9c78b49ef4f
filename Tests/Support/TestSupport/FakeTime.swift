import Synchronization
import SystemSupport

/// A clock that only moves when somebody sleeps: waits and backoffs are
/// tested in no time, and every sleep is there to be checked. `onSleep` runs
/// after each sleep with how many there were so far (a test's "meanwhile").
package final class FakeTime: TimeSource {
    private let elapsed = Mutex<Duration>(.zero)
    private let sleeps = Mutex<[Duration]>([])
    private let onSleep: (@Sendable (_ count: Int) -> Void)?

    package init(onSleep: (@Sendable (_ count: Int) -> Void)? = nil) { self.onSleep = onSleep }

    package var now: Duration { elapsed.withLock { $0 } }

    package func sleep(for duration: Duration) {
        let count = sleeps.withLock { sleeps in
            sleeps.append(duration)
            return sleeps.count
        }
        elapsed.withLock { $0 += max(duration, .zero) }
        onSleep?(count)
    }

    package var slept: [Duration] { sleeps.withLock { $0 } }
}
