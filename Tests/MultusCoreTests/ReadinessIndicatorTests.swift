import CNISpec
import SystemSupport
import TestSupport
import Testing
@testable import MultusCore

/// The readiness wait, on a fake clock: no test sleeps.
@Suite struct ReadinessIndicatorTests {
    @Test func presentFileIsReadyAtOnce() throws {
        let dir = TemporaryDirectory("multus-readiness")
        defer { dir.remove() }
        let time = FakeTime()
        try ReadinessIndicator(path: try dir.write("ready", "{}"), time: time).waitUntilReady()
        #expect(time.slept.isEmpty)
        #expect(ReadinessIndicator(path: "").isReady())
        #expect(!ReadinessIndicator(path: dir.file("missing")).isReady())
    }

    @Test func pollsEverySecondUntilTheFileAppears() throws {
        let dir = TemporaryDirectory("multus-readiness")
        defer { dir.remove() }
        let path = dir.file("ready")
        let time = FakeTime { count in
            if count == 3 { try? FileSystem.writeAtomically(path, Array("ok".utf8)) }
        }
        try ReadinessIndicator(path: path, time: time).waitUntilReady()
        #expect(time.slept == [.seconds(1), .seconds(1), .seconds(1)])
    }

    @Test func missingFileTimesOutAfter45SecondsWithMultusMessage() {
        let dir = TemporaryDirectory("multus-readiness")
        defer { dir.remove() }
        let path = dir.file("never")
        let time = FakeTime()
        let error = #expect(throws: CNIError.self) { try ReadinessIndicator(path: path, time: time).waitUntilReady() }
        #expect(time.now == .seconds(45))
        #expect(error?.code == CNIError.tryAgainLater)
        #expect(error?.msg == "have you checked that your default network is ready? still waiting for "
            + "readinessindicatorfile @ \(path). pollimmediate error: timed out waiting for the condition")
    }
}
