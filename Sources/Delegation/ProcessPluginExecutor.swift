import CNISpec
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// Runs plugins with posix_spawn and pipes. Chosen over swift-subprocess because
/// it is the whole need (spawn, feed stdin, collect two pipes, time out) and adds
/// nothing to start-up or the static binary.
///
/// Each plugin runs in a process group of its own, so a hung plugin is killed
/// with everything it started; what it prints is bounded, so a runaway plugin
/// cannot make us hold hundreds of megabytes.
package struct ProcessPluginExecutor: PluginExecuting {
    /// A result is a few KiB; anything near this is a broken plugin.
    package static let stdoutLimit = 16 << 20
    /// stderr only feeds error messages: the rest is read and dropped.
    package static let stderrKept = 64 << 10

    /// Run plugins chrooted into this folder (the multus daemon's chrootDir,
    /// the host's root seen from its container); the plugin's path is the
    /// same inside. nil: in our own root, with posix_spawn.
    package var rootDirectory: String?
    /// The wait between tries of a busy plugin (libcni's: one second).
    package var busyWait: Duration

    package init(rootDirectory: String? = nil, busyWait: Duration = .seconds(1)) {
        self.rootDirectory = rootDirectory
        self.busyWait = busyWait
    }

    package func run(_ invocation: PluginInvocation) throws(CNIError) -> PluginOutput {
        let stdinPipe, stdoutPipe, stderrPipe: (read: Int32, write: Int32)
        do {
            stdinPipe = try makePipe()
            stdoutPipe = try makePipe()
            stderrPipe = try makePipe()
        } catch { throw .io("cannot start \(invocation.path): \(error)") }
        let pid: pid_t
        do throws(CNIError) {
            pid = try spawn(invocation, stdin: stdinPipe.read, stdout: stdoutPipe.write, stderr: stderrPipe.write)
        } catch {
            for fd in [stdinPipe.read, stdoutPipe.write, stderrPipe.write, stdinPipe.write, stdoutPipe.read, stderrPipe.read] {
                close(fd)
            }
            throw error
        }
        for fd in [stdinPipe.read, stdoutPipe.write, stderrPipe.write] { close(fd) }

        let clock = SystemTime()
        let deadline = clock.now + invocation.timeout
        var pump = OutputPump(stdin: invocation.stdin, stdinFD: stdinPipe.write, stdoutFD: stdoutPipe.read,
                              stderrFD: stderrPipe.read)
        let ended = pump.run(until: deadline, clock: clock)
        if ended != .finished { Self.kill(group: pid) }
        let (status, exited) = Self.reap(pid, deadline: ended == .finished ? deadline : clock.now, clock: clock)
        switch ended {
        case .stdoutTooLarge:
            throw CNIError(code: CNIError.multusInternal,
                           msg: "plugin \(invocation.path) printed more than \(Self.stdoutLimit >> 20) MiB on stdout and was killed")
        case .timedOut:
            throw Self.timeout(invocation)
        case .finished where !exited:
            throw Self.timeout(invocation)
        case .finished:
            // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
            let exitCode = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            return PluginOutput(status: exitCode, stdout: pump.stdout, stderr: pump.stderr)
        }
    }

    /// As libcni's RawExec and Go's ChrootExec: a plugin being replaced right
    /// now ("text file busy", an installer still writing it) is tried again,
    /// once a second, five times.
    private func spawn(_ invocation: PluginInvocation, stdin: Int32, stdout: Int32, stderr: Int32) throws(CNIError) -> pid_t {
        _ = Self.ignoreSIGPIPE
        var attempt = 0
        while true {
            let code: Int32
            do throws(SystemError) {
                if let root = rootDirectory {
                    return try RootSpawn.spawn(root: root, path: invocation.path, arguments: [invocation.path],
                                               environment: invocation.environment, stdin: stdin, stdout: stdout, stderr: stderr)
                }
                return try Self.posixSpawn(invocation, stdin: stdin, stdout: stdout, stderr: stderr)
            } catch {
                code = error.code
            }
            guard code == ETXTBSY && attempt < Self.busyRetries else {
                throw .io("cannot execute \(invocation.path)\(rootDirectory.map { " in \($0)" } ?? ""): \(Errno.text(code))")
            }
            attempt += 1
            SystemTime().sleep(for: busyWait)
        }
    }

    static let busyRetries = 5

    private static func posixSpawn(_ invocation: PluginInvocation, stdin: Int32, stdout: Int32, stderr: Int32) throws(SystemError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)

        // A plugin that exits before reading its stdin must cost us EPIPE, not
        // our life: SIGPIPE is ignored here, and reset to default for the plugin.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        sigaddset(&defaultSignals, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        var pid: pid_t = 0
        let spawnResult = withCStrings([invocation.path]) { cArgv in
            withCStrings(invocation.environment) { cEnv in
                posix_spawn(&pid, invocation.path, &actions, &attributes, cArgv, cEnv)
            }
        }
        guard spawnResult == 0 else { throw SystemError("posix_spawn", invocation.path, code: spawnResult) }
        return pid
    }

    private static func timeout(_ invocation: PluginInvocation) -> CNIError {
        CNIError(code: CNIError.tryAgainLater,
                 msg: "plugin \(invocation.path) did not finish within \(invocation.timeout.milliseconds / 1000) s "
                    + "(pluginTimeoutSeconds) and was killed with its process group")
    }

    private static let ignoreSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN) }()

    private static func kill(group pid: pid_t) {
        Glibc.kill(-pid, SIGKILL)
        Glibc.kill(pid, SIGKILL)
    }

    /// Waits for the plugin's exit until the deadline (a plugin may close its
    /// pipes and keep running), then kills its group; `exited` is false then.
    private static func reap(_ pid: pid_t, deadline: Duration, clock: SystemTime) -> (status: Int32, exited: Bool) {
        var status: Int32 = 0
        while true {
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid || (done < 0 && errno != EINTR) { return (status, true) }
            if clock.now >= deadline {
                kill(group: pid)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                return (status, false)
            }
            usleep(200)
        }
    }
}

/// Feeds stdin and drains both output pipes together, so a plugin that writes
/// much to stderr never blocks.
private struct OutputPump {
    enum Ending { case finished, timedOut, stdoutTooLarge }

    let stdin: [UInt8]
    var inFD: Int32
    var outFD: Int32
    var errFD: Int32
    var written = 0
    var stdout: [UInt8] = []
    var stderr: [UInt8] = []

    init(stdin: [UInt8], stdinFD: Int32, stdoutFD: Int32, stderrFD: Int32) {
        self.stdin = stdin
        inFD = stdinFD
        outFD = stdoutFD
        errFD = stderrFD
        if stdin.isEmpty { close(inFD); inFD = -1 } else { _ = fcntl(inFD, F_SETFL, O_NONBLOCK) }
    }

    mutating func run(until deadline: Duration, clock: SystemTime) -> Ending {
        defer { for fd in [inFD, outFD, errFD] where fd >= 0 { close(fd) } }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while outFD >= 0 || errFD >= 0 {
            let remaining = deadline - clock.now
            if remaining <= .zero { return .timedOut }
            var fds = [pollfd(fd: inFD, events: Int16(POLLOUT), revents: 0),
                       pollfd(fd: outFD, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: errFD, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 3, Int32(clamping: remaining.milliseconds + 1))
            if ready < 0 && errno != EINTR { return .finished }
            if ready <= 0 { continue }
            if inFD >= 0, fds[0].revents != 0 { feed() }
            if outFD >= 0, fds[1].revents != 0 {
                Self.drain(&outFD, into: &stdout, keep: .max, buffer: &buffer)
                if stdout.count > ProcessPluginExecutor.stdoutLimit { return .stdoutTooLarge }
            }
            if errFD >= 0, fds[2].revents != 0 {
                Self.drain(&errFD, into: &stderr, keep: ProcessPluginExecutor.stderrKept, buffer: &buffer)
            }
        }
        return .finished
    }

    private mutating func feed() {
        let n = stdin.withUnsafeBytes { Glibc.write(inFD, $0.baseAddress! + written, $0.count - written) }
        if n > 0 { written += n }
        // EPIPE: the plugin does not read stdin (VERSION); nothing to do but stop.
        if written == stdin.count || (n < 0 && errno != EAGAIN && errno != EINTR) { close(inFD); inFD = -1 }
    }

    /// One read; keeps at most `keep` bytes in `output` in all (the rest is dropped).
    private static func drain(_ fd: inout Int32, into output: inout [UInt8], keep: Int, buffer: inout [UInt8]) {
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n > 0 {
            let take = keep == .max ? n : min(n, max(0, keep - output.count))
            output.append(contentsOf: buffer[0..<take])
        } else if n == 0 || errno != EINTR {
            close(fd)
            fd = -1
        }
    }
}

/// A NULL-terminated `char *[]` for the duration of `body`.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return body(pointers)
}
