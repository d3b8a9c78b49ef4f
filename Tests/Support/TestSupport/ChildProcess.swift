import Synchronization
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// A long-running child (a daemon, containerd, an entrypoint) started with
/// posix_spawn and reaped with waitpid. Not Foundation's Process: on Linux it
/// learns of the exit through a socket the child inherits, and containerd
/// hands that on to its shims, which outlive it, so the exit would never be
/// seen. The child gets stdin from /dev/null, stdout and stderr appended to
/// `log`, and no other descriptor of the test process. It inherits the test
/// thread's signal mask, in which the runner's threads block SIGTERM: a child
/// that must stop on SIGTERM has to unblock it, and the tests see that it does.
package final class ChildProcess: Sendable {
    package let pid: pid_t
    package let log: String
    /// The exit status once reaped: the exit code, or 128+n when killed by signal n.
    private let exit = Mutex<Int32?>(nil)

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    package init(_ path: String, _ arguments: [String], environment: [String: String], log: String) throws {
        self.log = log
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // glibc ≥ 2.34; not in Swift's Glibc module, so looked up.
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
        }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, path, &actions, nil, argv, envp)
        guard rc == 0 else { throw SystemError("posix_spawn", path, code: rc) }
        pid = child
    }

    /// Reaps the child if it has exited.
    package var isRunning: Bool {
        exit.withLock { status in
            if status != nil { return false }
            var raw: Int32 = 0
            let rc = waitpid(pid, &raw, WNOHANG)
            if rc == pid {
                let signal = raw & 0x7F
                status = signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
                return false
            }
            if rc < 0 && errno == ECHILD {
                status = -1
                return false
            }
            return true
        }
    }

    /// The exit status once it has exited (see `isRunning`), else nil.
    package var exitStatus: Int32? {
        _ = isRunning
        return exit.withLock { $0 }
    }

    package func kill(_ signal: Int32) {
        if isRunning { _ = Glibc.kill(pid, signal) }
    }

    /// The exit status once it exits within `seconds`, else nil.
    package func wait(seconds: Int) -> Int32? {
        let clock = SystemTime()
        let deadline = clock.now + .seconds(seconds)
        while isRunning {
            if clock.now >= deadline { return nil }
            clock.sleep(for: .milliseconds(10))
        }
        return exitStatus
    }

    /// SIGTERM, then SIGKILL after `grace` seconds; returns once reaped.
    package func stop(grace: Int = 15) {
        guard isRunning else { return }
        kill(SIGTERM)
        if wait(seconds: grace) == nil { terminate() }
    }

    /// SIGKILL and reap, if it is still there (for `defer`).
    package func terminate() {
        guard isRunning else { return }
        kill(SIGKILL)
        while isRunning { SystemTime().sleep(for: .milliseconds(10)) }
    }
}
