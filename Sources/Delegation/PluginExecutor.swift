import CNISpec
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// One execution of a plugin binary.
package struct PluginInvocation: Sendable {
    package var path: String
    /// `KEY=VALUE` strings, the complete environment of the child.
    package var environment: [String]
    package var stdin: [UInt8]
    package var timeout: Duration

    package init(path: String, environment: [String], stdin: [UInt8], timeout: Duration) {
        self.path = path
        self.environment = environment
        self.stdin = stdin
        self.timeout = timeout
    }
}

package struct PluginOutput: Sendable, Equatable {
    /// The exit status, or 128+signal when the plugin was killed.
    package var status: Int32
    package var stdout: [UInt8]
    package var stderr: [UInt8]

    package init(status: Int32, stdout: [UInt8], stderr: [UInt8]) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// The seam between planning and processes: tests may record invocations
/// instead of running them.
package protocol PluginExecuting: Sendable {
    func run(_ invocation: PluginInvocation) throws(CNIError) -> PluginOutput
}

/// Runs plugins with posix_spawn and pipes. Chosen over swift-subprocess because
/// it is the whole need (spawn, feed stdin, collect two pipes, time out) and adds
/// nothing to start-up or the static binary.
package struct ProcessPluginExecutor: PluginExecuting {
    package init() {}

    package func run(_ invocation: PluginInvocation) throws(CNIError) -> PluginOutput {
        var stdinPipe: [Int32] = [-1, -1], stdoutPipe: [Int32] = [-1, -1], stderrPipe: [Int32] = [-1, -1]
        guard pipe(&stdinPipe) == 0, pipe(&stdoutPipe) == 0, pipe(&stderrPipe) == 0 else {
            throw .io("cannot create pipes for \(invocation.path): \(Errno.text())")
        }
        // Only the dup2'd copies may reach the plugin (pipe2 is not importable).
        for fd in stdinPipe + stdoutPipe + stderrPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)

        // A plugin that exits before reading its stdin must cost us EPIPE, not
        // our life: SIGPIPE is ignored here, and reset to default for the plugin.
        _ = Self.ignoreSIGPIPE
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        sigaddset(&defaultSignals, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))

        let argv = [invocation.path]
        var pid: pid_t = 0
        let spawnResult = withCStrings(argv) { cArgv in
            withCStrings(invocation.environment) { cEnv in
                posix_spawn(&pid, invocation.path, &actions, &attributes, cArgv, cEnv)
            }
        }
        for fd in [stdinPipe[0], stdoutPipe[1], stderrPipe[1]] { close(fd) }
        guard spawnResult == 0 else {
            for fd in [stdinPipe[1], stdoutPipe[0], stderrPipe[0]] { close(fd) }
            throw .io("cannot execute \(invocation.path): \(Errno.text(spawnResult))")
        }

        let deadline = ContinuousClock.now + invocation.timeout
        let (stdout, stderr, pipesTimedOut) = pump(stdin: invocation.stdin, stdinFD: stdinPipe[1],
                                                   stdoutFD: stdoutPipe[0], stderrFD: stderrPipe[0],
                                                   pid: pid, deadline: deadline)
        let (status, exitTimedOut) = reap(pid, deadline: deadline)
        if pipesTimedOut || exitTimedOut {
            throw CNIError(code: CNIError.tryAgainLater,
                           msg: "plugin \(invocation.path) did not finish within \(invocation.timeout) and was killed")
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
        let exitCode = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return PluginOutput(status: exitCode, stdout: stdout, stderr: stderr)
    }

    private static let ignoreSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// Waits for the plugin's exit until the deadline (a plugin may close its
    /// pipes and keep running), then kills it.
    private func reap(_ pid: pid_t, deadline: ContinuousClock.Instant) -> (status: Int32, timedOut: Bool) {
        var status: Int32 = 0
        while true {
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid || (done < 0 && errno != EINTR) { return (status, false) }
            if ContinuousClock.now >= deadline {
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                return (status, true)
            }
            usleep(200)
        }
    }

    /// Feeds stdin and drains both output pipes together, so a plugin that writes
    /// much to stderr never blocks; kills the plugin at the deadline.
    private func pump(stdin: [UInt8], stdinFD: Int32, stdoutFD: Int32, stderrFD: Int32,
                      pid: pid_t, deadline: ContinuousClock.Instant) -> (stdout: [UInt8], stderr: [UInt8], timedOut: Bool) {
        let clock = ContinuousClock()
        var stdout: [UInt8] = [], stderr: [UInt8] = []
        var written = 0
        var inFD = stdinFD
        if stdin.isEmpty { close(inFD); inFD = -1 } else { _ = fcntl(inFD, F_SETFL, O_NONBLOCK) }
        var outFD = stdoutFD, errFD = stderrFD
        var buffer = [UInt8](repeating: 0, count: 65536)
        var timedOut = false

        while outFD >= 0 || errFD >= 0 {
            let remaining = clock.now.duration(to: deadline)
            if remaining <= .zero {
                kill(pid, SIGKILL)
                timedOut = true
                break
            }
            var fds = [pollfd(fd: inFD, events: Int16(POLLOUT), revents: 0),
                       pollfd(fd: outFD, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: errFD, events: Int16(POLLIN), revents: 0)]
            let ms = Int32(clamping: remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
            let ready = poll(&fds, 3, ms)
            if ready < 0 && errno != EINTR { break }
            if ready <= 0 { continue }

            if inFD >= 0, fds[0].revents != 0 {
                let n = stdin.withUnsafeBytes { Glibc.write(inFD, $0.baseAddress! + written, $0.count - written) }
                if n > 0 { written += n }
                // EPIPE: the plugin does not read stdin (VERSION); nothing to do but stop.
                if written == stdin.count || (n < 0 && errno != EAGAIN && errno != EINTR) { close(inFD); inFD = -1 }
            }
            for (slot, isStdout) in [(1, true), (2, false)] where fds[slot].revents != 0 {
                let fd = isStdout ? outFD : errFD
                let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    if isStdout { stdout.append(contentsOf: buffer[0..<n]) } else { stderr.append(contentsOf: buffer[0..<n]) }
                } else if n == 0 || errno != EINTR {
                    close(fd)
                    if isStdout { outFD = -1 } else { errFD = -1 }
                }
            }
        }
        for fd in [inFD, outFD, errFD] where fd >= 0 { close(fd) }
        return (stdout, stderr, timedOut)
    }
}

/// A NULL-terminated `char *[]` for the duration of `body`.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return body(pointers)
}
