import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM (kubelet stopping the pod) and SIGINT, as Go Multus's
/// signals.SetupSignalHandler: the first sets the stop flag, so the watch loop
/// finishes and cleans up as configured; a second ends the process at once
/// with status 1.
package enum InstallSignals {
    package static let stop = StopFlag()
    private static let received = Atomic<Int>(0)

    package static func install() {
        // Initialise the globals before any handler can touch them: a handler
        // must not be the first to run a lazy initialiser.
        _ = stop.isStopped
        _ = received.load(ordering: .relaxed)
        for signal in [SIGTERM, SIGINT] {
            _ = Glibc.signal(signal) { _ in
                if InstallSignals.received.add(1, ordering: .sequentiallyConsistent).newValue > 1 { _exit(1) }
                InstallSignals.stop.stop()
            }
        }
        // A blocked mask survives exec: a parent that had these blocked (a thread
        // pool, some init shims) would otherwise leave SIGTERM pending forever.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
