import CNISpec
import Foundation
import struct TestSupport.TemporaryDirectory
import Testing

/// The shipped binary: VERSION, STATUS, and that it needs nothing from the host.
struct BinaryTests {
    @Test func versionAnswersWhateverStdinHolds() throws {
        let out = try Harness.run(Harness.binary, [], environment: ["CNI_COMMAND": "VERSION"], stdin: "garbage")
        #expect(out.status == 0)
        let json = try #require(out.json)
        #expect(json["cniVersion"] == "1.1.0")
        #expect(json["supportedVersions"] == ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"])
    }

    @Test func unknownCommandIsAnEnvironmentError() throws {
        let out = try Harness.run(Harness.binary, [], environment: ["CNI_COMMAND": "FROB"])
        #expect(out.status == 1)
        #expect(out.json?["code"]?.intValue == CNIError.invalidEnvironment)
        #expect(out.json?["msg"]?.stringValue?.contains("FROB") == true)
    }

    @Test(.enabled(if: Harness.canRun, "needs root and the reference plugins"))
    func statusOfAPre110MasterSucceeds() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let config = sandbox.multusConfig(version: "1.1.0", [("delegates", [sandbox.bridgeNetwork(name: "cluster")])])
        let out = try Harness.run(Harness.binary, [], environment: ["CNI_COMMAND": "STATUS", "CNI_PATH": Harness.pluginDir],
                                  stdin: config)
        #expect(out.status == 0, "\(out.stdout)")
    }

    /// A drop-in binary: fully static, so it runs in a root with nothing but
    /// busybox and itself (plus /proc, which every CNI host has).
    @Test(.enabled(if: Harness.isRoot && FileManager.default.fileExists(atPath: "/bin/busybox"),
                   "needs root and busybox-static"))
    func staticBinaryRunsInAnEmptyChroot() throws {
        let file = try Harness.run("/usr/bin/file", ["-L", Harness.binary])
        #expect(file.stdout.contains("statically linked"), "\(file.stdout) — build with `make release`")

        let folder = TemporaryDirectory("msw-chroot")
        defer { folder.remove() }
        let root = folder.path
        try FileManager.default.createDirectory(atPath: root + "/proc", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: root + "/busybox")
        try FileManager.default.copyItem(atPath: Harness.binary, toPath: root + "/multus-swift")
        // The Swift runtime reads /proc/self at start; a CNI host always has it.
        try Harness.run("/bin/mount", ["-t", "proc", "proc", root + "/proc"])
        defer { _ = try? Harness.run("/bin/umount", [root + "/proc"]) }

        let out = try Harness.run("/usr/sbin/chroot", [root, "/busybox", "env", "-i", "CNI_COMMAND=VERSION", "/multus-swift"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.json?["cniVersion"] == "1.1.0", "\(out.stdout)")
        let listing = try FileManager.default.contentsOfDirectory(atPath: root).sorted()
        #expect(listing == ["busybox", "multus-swift", "proc"])
    }
}
