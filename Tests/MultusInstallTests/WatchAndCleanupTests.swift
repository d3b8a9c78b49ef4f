import CNISpec
import Synchronization
import SystemSupport
import TestSupport
import Testing
@testable import MultusInstall

/// A clock for `run(until:)`: sleeping takes no time, and after `polls`
/// intervals it sets the stop flag, as a SIGTERM would.
final class StoppingClock: TimeSource {
    let fake = FakeTime()
    let stop: StopFlag
    let interval: Duration
    let polls: Int

    init(stop: StopFlag, interval: Duration, polls: Int) {
        self.stop = stop
        self.interval = interval
        self.polls = polls
    }

    var now: Duration { fake.now }

    func sleep(for duration: Duration) {
        fake.sleep(for: duration)
        if fake.now >= interval * polls { stop.stop() }
    }
}

@Suite("the watch loop, and cleanup when it stops")
struct WatchAndCleanupTests {
    @Test("each poll follows the primary, the token and our own file; cleanup then keeps the binary")
    func pollFollowsChangesThenCleanup() throws {
        let host = try FakeHost()
        defer { host.remove() }
        let source = host.root + "/multus-swift-build"
        try FileSystem.writeAtomically(source, Array("#!/bin/true\n".utf8), mode: 0o755)
        try host.write(host.netd + "/10-flannel.conflist", Fixtures.flannel)
        var options = host.options
        options.skipMultusBinaryCopy = false
        options.multusBinFile = source

        let recorder = LogRecorder()
        let installer = Installer(options: options, log: recorder.log)
        try installer.start()
        let conf = host.netd + "/00-multus.conf", conflist = host.netd + "/00-multus.conflist"
        #expect(FileSystem.exists(conf))
        #expect(FileSystem.isExecutableFile(host.bin + "/multus"), "installed under Go's name")
        #expect(!installer.poll(), "nothing changed")

        // The primary gains a plugin: the capability union follows.
        let withBandwidth = Fixtures.flannel.replacing(
            #"{ "type": "portmap", "capabilities": { "portMappings": true } }"#,
            with: #"{ "type": "portmap", "capabilities": { "portMappings": true } }, { "type": "bandwidth", "capabilities": { "bandwidth": true } }"#)
        try host.write(host.netd + "/10-flannel.conflist", withBandwidth)
        #expect(installer.poll())
        #expect(try host.json(conf)?["capabilities"] == ["portMappings": true, "bandwidth": true])

        // The primary moves to CNI 1.0.0: a conflist replaces the conf.
        try host.write(host.netd + "/10-flannel.conflist", withBandwidth.replacing("0.3.1", with: "1.0.0"))
        #expect(installer.poll())
        #expect(FileSystem.exists(conflist) && !FileSystem.exists(conf))

        // The service account token rotates: the copy follows.
        try host.write(host.sa + "/token", "token-two")
        #expect(installer.poll())
        #expect(host.read(host.netd + "/multus.d/token") == "token-two")

        // Someone deletes our config: it comes back.
        try FileSystem.remove(conflist)
        #expect(installer.poll())
        #expect(FileSystem.exists(conflist))

        installer.cleanup()
        #expect(!FileSystem.exists(conflist))
        #expect(!FileSystem.exists(conf))
        #expect(!FileSystem.exists(host.netd + "/multus.d"), "kubeconfig, token and the emptied multus.d are gone")
        #expect(FileSystem.exists(host.netd + "/10-flannel.conflist"), "the primary is not ours to remove")
        #expect(FileSystem.isExecutableFile(host.bin + "/multus"), "the binary stays")
        #expect(recorder.lines.contains { $0.contains("config changed: rewrote") })
    }

    @Test("run(until:) polls once per interval until stopped; by default (as Go) it leaves the config in place")
    func runKeepsConfigByDefault() throws {
        let host = try FakeHost()
        defer { host.remove() }
        try host.write(host.netd + "/05-cilium.conflist", Fixtures.cilium)
        let stop = StopFlag()
        let clock = StoppingClock(stop: stop, interval: host.options.pollInterval, polls: 3)
        let recorder = LogRecorder()
        #expect(!host.options.cleanupConfigOnExit, "Go's default")

        try Installer(options: host.options, log: recorder.log, time: clock).run(until: stop)

        #expect(clock.fake.now == .seconds(3), "three one-second intervals, slept in 50 ms slices")
        #expect(clock.fake.slept.allSatisfy { $0 <= .milliseconds(50) })
        #expect(FileSystem.exists(host.netd + "/00-multus.conf"))
        #expect(FileSystem.exists(host.netd + "/multus.d/multus.kubeconfig"))
        #expect(recorder.lines.last?.contains("leaving the multus config in place") == true)
    }

    @Test("run(until:) with --cleanup-config-on-exit=true removes what it wrote when stopped")
    func runCleansUpWhenAsked() throws {
        let host = try FakeHost()
        defer { host.remove() }
        try host.write(host.netd + "/05-cilium.conflist", Fixtures.cilium)
        var options = host.options
        options.cleanupConfigOnExit = true
        let stop = StopFlag()
        let clock = StoppingClock(stop: stop, interval: options.pollInterval, polls: 1)

        try Installer(options: options, log: .silent, time: clock).run(until: stop)

        #expect(FileSystem.list(host.netd) == ["05-cilium.conflist"])
    }

    @Test("a stop flag set before the first interval ends the loop without sleeping it out")
    func stopFlagIsPrompt() throws {
        let host = try FakeHost()
        defer { host.remove() }
        try host.write(host.netd + "/05-cilium.conflist", Fixtures.cilium)
        var options = host.options
        options.pollInterval = .seconds(60)
        let stop = StopFlag()
        let clock = StoppingClock(stop: stop, interval: .milliseconds(100), polls: 1)

        try Installer(options: options, log: .silent, time: clock).run(until: stop)

        #expect(clock.fake.now == .milliseconds(100), "stopped within one 50 ms slice of the signal")
    }

    @Test("cleanup leaves a file that changed since it was written (a newer installer's) and other files in multus.d")
    func cleanupOnlyRemovesWhatIsStillOurs() throws {
        let host = try FakeHost()
        defer { host.remove() }
        try host.write(host.netd + "/05-cilium.conflist", Fixtures.cilium)
        let installer = Installer(options: host.options, log: .silent)
        try installer.start()
        try host.write(host.netd + "/00-multus.conf", #"{"cniVersion":"0.3.1","name":"newer","type":"multus"}"#)
        try host.write(host.netd + "/multus.d/other-tool.conf", "{}")

        let removed = installer.cleanup()

        #expect(Set(removed) == [host.netd + "/multus.d/token", host.netd + "/multus.d/multus.kubeconfig"])
        #expect(host.read(host.netd + "/00-multus.conf")?.contains("newer") == true)
        #expect(FileSystem.exists(host.netd + "/multus.d/other-tool.conf"))
    }

    @Test("cleanup undoes in reverse: the config before the kubeconfig and token it refers to")
    func cleanupOrder() throws {
        let host = try FakeHost()
        defer { host.remove() }
        try host.write(host.netd + "/05-cilium.conflist", Fixtures.cilium)
        let installer = Installer(options: host.options, log: .silent)
        try installer.start()
        #expect(installer.cleanup() == [host.netd + "/00-multus.conf", host.netd + "/multus.d/multus.kubeconfig",
                                        host.netd + "/multus.d/token"])
        #expect(FileSystem.list(host.netd) == ["05-cilium.conflist"])
    }

    @Test("--multus-conf-file=<file> copies that file and follows its changes; cleanup removes the copy")
    func givenConfFileIsCopied() throws {
        let host = try FakeHost()
        defer { host.remove() }
        let given = host.root + "/tmp/multus-conf/70-multus.conf"
        try host.write(given, #"{"cniVersion":"0.3.1","name":"multus-cni-network","type":"multus","delegates":[{"cniVersion":"0.3.1","name":"a","type":"ptp"}]}"#)
        var options = host.options
        options.multusConfFile = given

        let installer = Installer(options: options, log: .silent)
        try installer.start()
        let copy = host.netd + "/70-multus.conf"
        #expect(host.read(copy) == host.read(given))
        #expect(FileSystem.exists(host.netd + "/multus.d/multus.kubeconfig"), "a service account is there, so the kubeconfig is written too")
        try host.write(given, #"{"cniVersion":"0.3.1","name":"multus-cni-network","type":"multus","clusterNetwork":"b"}"#)
        #expect(installer.poll())
        #expect(host.read(copy)?.contains("clusterNetwork") == true)
        installer.cleanup()
        #expect(!FileSystem.exists(copy))
        #expect(FileSystem.exists(given))
    }

    @Test("--rename-conf-file moves the primary to .old, and cleanup puts it back")
    func renameConfFileAndRestore() throws {
        let host = try FakeHost()
        defer { host.remove() }
        let primary = host.netd + "/10-flannel.conflist"
        try host.write(primary, Fixtures.flannel)
        var options = host.options
        options.renameConfFile = true
        let installer = Installer(options: options, log: .silent)
        try installer.start()
        #expect(!FileSystem.exists(primary))
        #expect(FileSystem.exists(primary + ".old"))
        #expect(!installer.poll(), "no primary left: the config stays as it is")
        #expect(FileSystem.exists(host.netd + "/00-multus.conf"))

        installer.cleanup()
        #expect(FileSystem.exists(primary))
        #expect(!FileSystem.exists(host.netd + "/00-multus.conf"))
    }

    @Test("--skip-config-watch writes the config once and ignores later primary changes")
    func skipConfigWatch() throws {
        let host = try FakeHost()
        defer { host.remove() }
        try host.write(host.netd + "/10-flannel.conflist", Fixtures.flannel)
        var options = host.options
        options.skipConfigWatch = true
        let installer = Installer(options: options, log: .silent)
        try installer.start()
        let before = host.read(host.netd + "/00-multus.conf")
        try host.write(host.netd + "/10-flannel.conflist", Fixtures.flannel.replacing("cbr0", with: "cbr1"))
        #expect(!installer.poll())
        #expect(host.read(host.netd + "/00-multus.conf") == before)
    }

    @Test("start creates --multus-cni-conf-dir, as Go does")
    func multusCNIConfDirIsCreated() throws {
        let host = try FakeHost()
        defer { host.remove() }
        try host.write(host.netd + "/05-cilium.conflist", Fixtures.cilium)
        try Installer(options: host.options, log: .silent).start()
        #expect(FileSystem.isDirectory(host.multusNetd))
    }
}
