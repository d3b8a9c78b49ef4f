import SystemSupport
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One operation per container ID at a time: an ADD still running (past its
/// deadline, say) holds off the DEL that undoes it.
final class ContainerLocks: Sendable {
    private let busy = Mutex<Set<String>>([])

    /// Waits for the ID until `deadline` (monotonic); false when it stayed busy.
    func acquire(_ id: String, until deadline: Duration) -> Bool {
        let clock = SystemTime()
        while true {
            if busy.withLock({ $0.insert(id).inserted }) { return true }
            if clock.now >= deadline { return false }
            clock.sleep(for: .milliseconds(5))
        }
    }

    func release(_ id: String) { _ = busy.withLock { $0.remove(id) } }

    var count: Int { busy.withLock { $0.count } }
}

/// A value handed from one thread to another that waits for it with a timeout.
final class Handoff<Value: Sendable>: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var value: Value?

    init() {
        pthread_mutex_init(&mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(&condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    func put(_ new: Value) {
        pthread_mutex_lock(&mutex)
        value = new
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
    }

    /// The value, or nil when none came within `timeout`.
    func take(within timeout: Duration) -> Value? {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let (seconds, attoseconds) = timeout.components
        var nanoseconds = Int(now.tv_nsec) + Int(attoseconds / 1_000_000_000)
        var end = timespec(tv_sec: now.tv_sec + Int(seconds) + nanoseconds / 1_000_000_000, tv_nsec: 0)
        nanoseconds %= 1_000_000_000
        end.tv_nsec = nanoseconds
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while value == nil {
            if pthread_cond_timedwait(&condition, &mutex, &end) == ETIMEDOUT { break }
        }
        return value
    }
}

/// Requests being handled, for the shutdown's wait and the in-flight gauge.
final class InFlight: Sendable {
    private let count = Atomic<Int>(0)
    func enter() -> Int { count.add(1, ordering: .sequentiallyConsistent).newValue }
    func leave() -> Int { count.subtract(1, ordering: .sequentiallyConsistent).newValue }
    var current: Int { count.load(ordering: .sequentiallyConsistent) }
}
