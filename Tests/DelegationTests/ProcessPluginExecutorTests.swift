import SystemSupport
import CNISpec
import Foundation
import Glibc
import struct TestSupport.TemporaryDirectory
import Testing
@testable import Delegation

/// Real child processes: /bin/sh scripts written to a temporary directory.
@Suite struct ProcessPluginExecutorTests {
    static let environment = ["PATH=/usr/bin:/bin"]

    /// Writes an executable `#!/bin/sh` script and returns its path.
    private func script(_ dir: TemporaryDirectory, _ body: String, name: String = "plugin") throws -> String {
        try dir.write(name, "#!/bin/sh\n" + body + "\n", mode: 0o755)
    }

    private func run(_ path: String, stdin: [UInt8] = [], environment: [String] = Self.environment,
                     timeout: Duration = .seconds(60)) throws(CNIError) -> PluginOutput {
        try ProcessPluginExecutor().run(PluginInvocation(path: path, environment: environment, stdin: stdin, timeout: timeout))
    }

    /// What a run with `timeout` threw, and how long it took.
    private func timedRun(_ path: String, timeout: Duration) -> (thrown: CNIError?, elapsed: Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        var thrown: CNIError?
        do { _ = try run(path, timeout: timeout) } catch { thrown = error }
        return (thrown, start.duration(to: clock.now))
    }

    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func stdinReachesThePlugin() throws {
        let dir = TemporaryDirectory("multus-exec")
        defer { dir.remove() }
        let config = Array(#"{"cniVersion":"1.0.0","name":"n","type":"bridge"}"#.utf8)
        let output = try run(script(dir, "cat"), stdin: config)
        #expect(output.status == 0)
        #expect(output.stdout == config)
        #expect(output.stderr.isEmpty)
    }

    /// Five tries 100 ms apart instead of a second apart.
    private let busyRetrying = ProcessPluginExecutor(busyWait: .milliseconds(100))

    /// A plugin whose file is still open for writing (execve fails with ETXTBSY), and that descriptor.
    private func pluginBeingWritten(_ dir: TemporaryDirectory) throws -> (path: String, writer: Int32) {
        let path = try script(dir, "echo ran")
        let writer = open(path, O_WRONLY | O_CLOEXEC)
        try #require(writer >= 0)
        return (path, writer)
    }

    /// A plugin an installer is still writing ("text file busy") is tried
    /// again a second later, as libcni does; it runs once the writer is done.
    @Test func aPluginBeingWrittenIsRetriedUntilItCanRun() throws {
        let dir = TemporaryDirectory("multus-exec")
        defer { dir.remove() }
        let (path, writer) = try pluginBeingWritten(dir)
        let closer = Thread { usleep(200_000); close(writer) }
        closer.start()
        let output = try busyRetrying.run(PluginInvocation(path: path, environment: Self.environment, stdin: [], timeout: .seconds(60)))
        #expect(text(output.stdout) == "ran\n")
    }

    @Test func aPluginStillBusyAfterTheRetriesIsAnErrorNamingIt() throws {
        let dir = TemporaryDirectory("multus-exec")
        defer { dir.remove() }
        let (path, writer) = try pluginBeingWritten(dir)
        defer { close(writer) }
        let error = #expect(throws: CNIError.self) {
            try busyRetrying.run(PluginInvocation(path: path, environment: Self.environment, stdin: [], timeout: .seconds(60)))
        }
        #expect(error?.msg == "cannot execute \(path): \(Errno.text(ETXTBSY))")
    }

    @Test func emptyStdinReachesThePluginAsEndOfFile() throws {
        let dir = TemporaryDirectory("multus-exec")
        defer { dir.remove() }
        let output = try run(script(dir, "wc -c"))
        #expect(output.status == 0)
        #expect(text(output.stdout).trimmingSpace == "0")
    }

    @Test func stdoutAndStderrAreCollectedSeparately() throws {
        let dir = TemporaryDirectory("multus-exec")
        defer { dir.remove() }
        let output = try run(script(dir, "echo to-stdout; echo to-stderr >&2; echo more-stdout"))
        #expect(text(output.stdout) == "to-stdout\nmore-stdout\n")
        #expect(text(output.stderr) == "to-stderr\n")
    }

    @Test(arguments: [0, 1, 3, 100, 255])
    func exitStatusIsReported(_ code: Int32) throws {
        let dir = TemporaryDirectory("multus-exec")
        defer { dir.remove() }
        let output = try run(script(dir, "echo partial; exit \(code)"))
        #expect(output.status == code)
        #expect(text(output.stdout) == "partial\n")
    }

    @Test func pluginKilledByASignalReports128PlusTheSignal() throws {
        let dir = TemporaryDirectory("multus-exec")
        defer { dir.remove() }
        let output = try run(script(dir, "kill -KILL $$"))
        #expect(output.status == 128 + SIGKILL)
    }

    @Test func environmentIsExactlyTheOneGiven() throws {
        let dir = TemporaryDirectory("multus-exec")
        defer { dir.remove() }
        let output = try run(script(dir, #"printf '%s|%s|%s' "$CNI_COMMAND" "$FOO" "${HOME-unset}""#),
                             environment: ["CNI_COMMAND=ADD", "FOO=bar baz"])
        #expect(text(output.stdout) == "ADD|bar baz|unset")
    }

    @Test func pluginSeesItsPathAsArgumentZero() throws {
        let dir = TemporaryDirectory("multus-exec")
        defer { dir.remove() }
        let path = try script(dir, #"printf '%s' "$0""#)
        #expect(text(try run(path).stdout) == path)
    }

    /// All of stderr is read (the plugin never blocks), only its start is kept.
    @Test func largeStderrDoesNotDeadlockAndOnlyItsStartIsKept() throws {
        let dir = TemporaryDirectory("multus-exec")
        defer { dir.remove() }
        let path = try script(dir, #"head -c 1048576 /dev/zero | tr '\000' x >&2; echo done"#)
        let output = try run(path, timeout: .seconds(60))
        #expect(output.status == 0)
        #expect(output.stderr.count == ProcessPluginExecutor.stderrKept)
        #expect(output.stderr.allSatisfy { $0 == UInt8(ascii: "x") })
        #expect(text(output.stdout) == "done\n")
    }

    @Test func largeStdinAndStdoutAreFedAndDrainedTogether() throws {
        let dir = TemporaryDirectory("multus-exec")
        defer { dir.remove() }
        let input = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 % 251) }
        let output = try run(script(dir, "cat; cat /dev/null >&2"), stdin: input, timeout: .seconds(60))
        #expect(output.status == 0)
        #expect(output.stdout.count == input.count)
        #expect(output.stdout == input)
    }

    @Test func timeoutKillsThePluginAndReportsTryAgainLater() throws {
        let dir = TemporaryDirectory("multus-exec")
        defer { dir.remove() }
        let pidFile = dir.file("pid")
        let path = try script(dir, "echo $$ > \(pidFile); exec sleep 30")
        let (thrown, elapsed) = timedRun(path, timeout: .seconds(1))

        #expect(thrown?.code == CNIError.tryAgainLater)
        #expect(thrown?.msg.contains(path) == true)
        #expect(elapsed >= .milliseconds(900))
        // The deadline, plus scheduling slack on a busy machine: nowhere near the 30 s sleep.
        #expect(elapsed < .seconds(6))
        // The plugin is gone (killed and reaped), not left running.
        let pidText = try #require(try FileSystem.read(pidFile))
        let pid = try #require(pid_t(text(pidText).trimmingSpace))
        #expect(kill(pid, 0) == -1 && errno == ESRCH)
    }

    @Test func missingBinaryIsAnIOError() throws {
        let dir = TemporaryDirectory("multus-exec")
        defer { dir.remove() }
        var thrown: CNIError?
        do { _ = try run(dir.file("absent")) } catch { thrown = error }
        #expect(thrown?.code == CNIError.ioFailure)
        #expect(thrown?.msg.contains(dir.file("absent")) == true)
    }

    @Test func nonExecutableFileIsAnIOError() throws {
        let dir = TemporaryDirectory("multus-exec")
        defer { dir.remove() }
        let path = try dir.write("plain", "#!/bin/sh\nexit 0\n", mode: 0o644)
        var thrown: CNIError?
        do { _ = try run(path) } catch { thrown = error }
        #expect(thrown?.code == CNIError.ioFailure)
    }

    @Test func timeoutHoldsForAPluginThatClosedItsOutputButKeepsRunning() throws {
        let dir = TemporaryDirectory("multus-exec")
        defer { dir.remove() }
        let path = try script(dir, "exec >/dev/null 2>&1; exec sleep 5")
        let (thrown, elapsed) = timedRun(path, timeout: .seconds(1))
        // The pipes reach EOF at once; the deadline must still hold for the exit.
        #expect(thrown?.code == CNIError.tryAgainLater)
        #expect(elapsed < .seconds(4))
    }

    @Test func pluginThatExitsWithoutReadingStdinIsReportedNotFatal() throws {
        let dir = TemporaryDirectory("multus-exec")
        defer { dir.remove() }
        // 1 MiB cannot fit in the pipe, so the write meets a closed pipe for certain.
        let output = try run(script(dir, "exit 7"), stdin: [UInt8](repeating: 0x41, count: 1 << 20))
        #expect(output.status == 7)
    }
}
