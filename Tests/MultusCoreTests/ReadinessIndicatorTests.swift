import CNISpec
import Glibc
import Testing
@testable import MultusCore

@Suite struct ReadinessIndicatorTests {
    @Test func presentFileIsReadyAtOnce() throws {
        let dir = LoggingTempDir("multus-readiness")
        defer { dir.remove() }
        let path = dir.file("10-default.conf")
        loggingWriteFile(path, "{}")
        let indicator = ReadinessIndicator(path: path)
        #expect(indicator.isReady())
        let start = loggingMonotonicSeconds()
        try indicator.waitUntilReady()
        #expect(loggingMonotonicSeconds() - start < 0.5)
    }

    @Test func isReadyLooksOnceWithoutWaiting() {
        let dir = LoggingTempDir("multus-readiness")
        defer { dir.remove() }
        let start = loggingMonotonicSeconds()
        #expect(!ReadinessIndicator(path: dir.file("missing")).isReady())
        #expect(loggingMonotonicSeconds() - start < 0.5)
        #expect(ReadinessIndicator(path: "").isReady())
    }

    @Test func waitsForAFileCreatedLater() throws {
        let dir = LoggingTempDir("multus-readiness")
        defer { dir.remove() }
        let path = dir.file("ready")
        loggingAfter(seconds: 1.5) { loggingWriteFile(path, "ok") }
        let start = loggingMonotonicSeconds()
        try ReadinessIndicator(path: path, timeout: .seconds(10)).waitUntilReady()
        let elapsed = loggingMonotonicSeconds() - start
        // Polled every second: seen at the 2 s poll.
        #expect(elapsed >= 1.4 && elapsed < 4, "elapsed \(elapsed)")
    }

    @Test func pollsAtTheGivenInterval() throws {
        let dir = LoggingTempDir("multus-readiness")
        defer { dir.remove() }
        let path = dir.file("ready")
        loggingAfter(seconds: 0.5) { loggingWriteFile(path, "ok") }
        let start = loggingMonotonicSeconds()
        try ReadinessIndicator(path: path, pollInterval: .milliseconds(100), timeout: .seconds(10)).waitUntilReady()
        let elapsed = loggingMonotonicSeconds() - start
        #expect(elapsed >= 0.45 && elapsed < 0.95, "elapsed \(elapsed)")
    }

    @Test func missingFileTimesOutWithCNIErrorNamingIt() {
        let dir = LoggingTempDir("multus-readiness")
        defer { dir.remove() }
        let path = dir.file("never")
        let start = loggingMonotonicSeconds()
        do {
            try ReadinessIndicator(path: path, timeout: .seconds(2)).waitUntilReady()
            Issue.record("waitUntilReady returned without the file")
        } catch {
            let elapsed = loggingMonotonicSeconds() - start
            #expect(elapsed >= 2 && elapsed < 3.5, "elapsed \(elapsed)")
            #expect(error.code == CNIError.tryAgainLater)
            #expect(error.msg == "have you checked that your default network is ready? still waiting for "
                + "readinessindicatorfile @ \(path). pollimmediate error: timed out waiting for the condition")
        }
    }
}
