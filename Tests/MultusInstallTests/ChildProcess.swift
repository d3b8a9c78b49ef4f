import Synchronization
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with posix_spawn and reaped with waitpid, so its
/// exit is seen without Foundation's Process machinery. Output goes to `log`.
/// The child inherits the test thread's signal mask, in which the runner's
/// threads block SIGTERM: so it also checks that the entrypoint unblocks it.
final class Child: Sendable {
    let pid: pid_t
    let log: String
    private let reaped = Atomic(false)

    /// `argv0` is what the child sees as its name (the face it answers as).
    init(_ path: String, argv0: String? = nil, _ arguments: [String], environment: [String], log: String) throws {
        self.log = log
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([argv0 ?? path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard rc == 0 else { throw SystemError("posix_spawn", path, code: rc) }
        self.pid = pid
    }

    func kill(_ signal: Int32) {
        if !reaped.load(ordering: .sequentiallyConsistent) { _ = Glibc.kill(pid, signal) }
    }

    /// Kills and reaps it if it is still there (for `defer`).
    func terminate() {
        guard !reaped.load(ordering: .sequentiallyConsistent) else { return }
        kill(SIGKILL)
        _ = wait(seconds: 5)
    }

    /// The exit status once it exits within `seconds` (128+n when killed by signal n), else nil.
    func wait(seconds: Int) -> Int32? {
        var result: Int32? = nil
        _ = waitUntil(seconds: seconds) {
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return false }
            let signal = status & 0x7F
            result = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
            reaped.store(true, ordering: .sequentiallyConsistent)
            return true
        }
        return result
    }
}

/// Polls `condition` every 20 ms for up to `seconds`: only for what another
/// process does (a child's files, its exit), never for this process's own work.
func waitUntil(seconds: Int = 10, _ condition: () -> Bool) -> Bool {
    let clock = SystemTime()
    let deadline = clock.now + .seconds(seconds)
    while clock.now < deadline {
        if condition() { return true }
        clock.sleep(for: .milliseconds(20))
    }
    return condition()
}
