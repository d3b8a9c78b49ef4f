import SystemSupport
import CNISpec
import Delegation
import Foundation
import Testing
@testable import MultusInstall

@Suite("the watch loop, and cleanup when it stops")
struct WatchAndCleanupTests {
    @Test("a changed primary regenerates the config within seconds; stop cleans up but keeps the binary")
    func regenerationWhilePrimaryChangesThenCleanup() throws {
        let host = try FakeHost()
        defer { host.remove() }
        let source = host.root + "/multus-swift-build"
        try FileSystem.writeAtomically(source, Array("#!/bin/true\n".utf8), mode: 0o755)
        try host.write(host.netd + "/10-flannel.conflist", Fixtures.flannel)
        var options = host.options
        options.skipMultusBinaryCopy = false
        options.multusBinFile = source

        let recorder = LogRecorder()
        let installer = BackgroundInstaller(options: options, log: recorder.log)
        let conf = host.netd + "/00-multus.conf", conflist = host.netd + "/00-multus.conflist"
        #expect(waitUntil { FileSystem.exists(conf) })
        #expect(FileSystem.isExecutableFile(host.bin + "/multus-swift"))

        // The primary gains a plugin: the capability union follows.
        let withBandwidth = Fixtures.flannel.replacingOccurrences(
            of: #"{ "type": "portmap", "capabilities": { "portMappings": true } }"#,
            with: #"{ "type": "portmap", "capabilities": { "portMappings": true } }, { "type": "bandwidth", "capabilities": { "bandwidth": true } }"#)
        try host.write(host.netd + "/10-flannel.conflist", withBandwidth)
        #expect(waitUntil { (try? host.json(conf))??["capabilities"] == ["portMappings": true, "bandwidth": true] })

        // The primary moves to CNI 1.0.0: a conflist replaces the conf.
        try host.write(host.netd + "/10-flannel.conflist", withBandwidth.replacingOccurrences(of: "0.3.1", with: "1.0.0"))
        #expect(waitUntil { FileSystem.exists(conflist) && !FileSystem.exists(conf) })

        // The service account token rotates: the copy follows.
        try host.write(host.sa + "/token", "token-two")
        #expect(waitUntil { host.read(host.netd + "/multus.d/token") == "token-two" })

        // Someone deletes our config: it comes back.
        try FileSystem.remove(conflist)
        #expect(waitUntil { FileSystem.exists(conflist) })

        #expect(installer.stopAndWait())
        #expect(installer.error == nil)
        #expect(!FileSystem.exists(conflist))
        #expect(!FileSystem.exists(conf))
        #expect(!FileSystem.exists(host.netd + "/multus.d"), "kubeconfig, token and the emptied multus.d are gone")
        #expect(FileSystem.exists(host.netd + "/10-flannel.conflist"), "the primary is not ours to remove")
        #expect(FileSystem.isExecutableFile(host.bin + "/multus-swift"), "the binary stays")
        #expect(recorder.lines.contains { $0.contains("config changed: rewrote") })
    }

    @Test("cleanup leaves a file that changed since it was written (a newer installer's) and other files in multus.d")
    func cleanupOnlyRemovesWhatIsStillOurs() throws {
        let host = try FakeHost()
        defer { host.remove() }
        try host.write(host.netd + "/05-cilium.conflist", Fixtures.cilium)
        let installer = Installer(options: host.options, log: .silent)
        try installer.start()
        try host.write(host.netd + "/00-multus.conf", #"{"cniVersion":"0.3.1","name":"newer","type":"multus-swift"}"#)
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

    @Test("--cleanup-config-on-exit=false leaves everything in place on stop")
    func noCleanupWhenDisabled() throws {
        let host = try FakeHost()
        defer { host.remove() }
        try host.write(host.netd + "/05-cilium.conflist", Fixtures.cilium)
        var options = host.options
        options.cleanupConfigOnExit = false
        let installer = BackgroundInstaller(options: options)
        #expect(waitUntil { FileSystem.exists(host.netd + "/00-multus.conf") })
        #expect(installer.stopAndWait())
        #expect(FileSystem.exists(host.netd + "/00-multus.conf"))
        #expect(FileSystem.exists(host.netd + "/multus.d/multus.kubeconfig"))
    }

    @Test("--multus-conf-file=<file> copies that file, follows its changes, and removes the copy on stop")
    func givenConfFileIsCopied() throws {
        let host = try FakeHost()
        defer { host.remove() }
        let given = host.root + "/config/70-multus.conf"
        try host.write(given, #"{"cniVersion":"0.3.1","name":"multus-cni-network","type":"multus-swift","delegates":[{"cniVersion":"0.3.1","name":"a","type":"ptp"}]}"#)
        var options = host.options
        options.multusConfFile = given

        let installer = BackgroundInstaller(options: options)
        let copy = host.netd + "/70-multus.conf"
        #expect(waitUntil { host.read(copy) == host.read(given) })
        #expect(FileSystem.exists(host.netd + "/multus.d/multus.kubeconfig"), "a service account is there, so the kubeconfig is written too")
        try host.write(given, #"{"cniVersion":"0.3.1","name":"multus-cni-network","type":"multus-swift","clusterNetwork":"b"}"#)
        #expect(waitUntil { host.read(copy)?.contains("clusterNetwork") == true })
        #expect(installer.stopAndWait())
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
        try host.write(host.netd + "/10-flannel.conflist", Fixtures.flannel.replacingOccurrences(of: "cbr0", with: "cbr1"))
        #expect(!installer.poll())
        #expect(host.read(host.netd + "/00-multus.conf") == before)
    }

    @Test("the stop flag ends the loop promptly even with a long poll interval")
    func stopFlagIsPrompt() throws {
        let host = try FakeHost()
        defer { host.remove() }
        try host.write(host.netd + "/05-cilium.conflist", Fixtures.cilium)
        var options = host.options
        options.pollInterval = .seconds(60)
        let installer = BackgroundInstaller(options: options)
        #expect(waitUntil { FileSystem.exists(host.netd + "/00-multus.conf") })
        let start = Date()
        #expect(installer.stopAndWait())
        #expect(Date().timeIntervalSince(start) < 2)
        #expect(!FileSystem.exists(host.netd + "/00-multus.conf"))
    }
}
