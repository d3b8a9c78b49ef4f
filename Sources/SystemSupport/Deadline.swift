/// A point on the monotonic clock by which an I/O step must be done. Always
/// the real clock: retry waits use an injectable `TimeSource`, but a socket
/// either answers in real time or not.
package struct Deadline: Sendable {
    package let instant: Duration
    /// The whole time that was given, for messages ("within 10 s").
    package let budget: Duration

    package static func after(_ duration: Duration) -> Deadline {
        Deadline(instant: SystemTime().now + duration, budget: duration)
    }

    package var remaining: Duration { instant - SystemTime().now }
    package var hasPassed: Bool { remaining <= .zero }

    /// Milliseconds for poll(2), rounded up so that a wait never ends early.
    package var pollTimeout: Int32 {
        let left = remaining
        guard left > .zero else { return 0 }
        let (seconds, attoseconds) = left.components
        let ms = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: ms)
    }
}
