import CNISpec
import Foundation
import struct TestSupport.TemporaryDirectory
import Testing

/// The image as install/image-layout.sh lays it out (what install/Containerfile
/// copies), in a temporary root that stands in for the container: Go Multus's
/// DaemonSet commands run in it through chroot exactly as written in
/// deployments/multus-daemonset.yml and multus-daemonset-thick.yml (master
/// 95a0932), defaults and all. The host folders the DaemonSet mounts are plain
/// folders of that root. Needs the static release binary (nothing else is in
/// the root) and root.
@Suite(.enabled(if: Harness.isRoot && FileManager.default.isExecutableFile(atPath: "/usr/sbin/chroot")
                && (Harness.binary.hasSuffix("release/multus-swift") || ProcessInfo.processInfo.environment["MULTUS_SWIFT_BIN"] != nil),
                "needs root, chroot and the static release binary"))
struct ImageLayoutTests {
    final class ImageRoot {
        private let folder = TemporaryDirectory("msw-image")
        var path: String { folder.path }
        var bin: String { path + "/host/opt/cni/bin" }
        var netd: String { path + "/host/etc/cni/net.d" }

        init() throws {
            do {
                let layout = try Harness.run("/bin/sh", [Harness.packageRoot + "/install/image-layout.sh", path, Harness.binary])
                guard layout.status == 0 else { throw HarnessError("image-layout.sh: \(layout.stderr)") }
                let sa = path + "/var/run/secrets/kubernetes.io/serviceaccount"
                for dir in [bin, netd, sa] { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
                try "token-one".write(toFile: sa + "/token", atomically: true, encoding: .utf8)
                try "-----BEGIN CERTIFICATE-----\nMIIfake\n-----END CERTIFICATE-----\n".write(toFile: sa + "/ca.crt", atomically: true, encoding: .utf8)
                // The Swift runtime reads /proc/self at start; every container has /proc.
                try FileManager.default.createDirectory(atPath: path + "/proc", withIntermediateDirectories: true)
                let mount = try Harness.run("/bin/mount", ["-t", "proc", "proc", path + "/proc"])
                guard mount.status == 0 else { throw HarnessError("mount proc: \(mount.stderr)") }
            } catch {
                folder.remove()
                throw error
            }
        }

        /// Unmounts /proc first; a root whose /proc is still mounted is left alone.
        func remove() {
            guard (try? Harness.run("/bin/umount", [path + "/proc"]))?.status == 0 else { return }
            folder.remove()
        }

        /// A container command, as kubelet would start it (the pod's environment).
        func run(_ command: [String]) throws -> Harness.Output {
            try Harness.run("/usr/sbin/chroot", [path] + command, environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1",
                                                                                "KUBERNETES_SERVICE_PORT": "443"])
        }

        func start(_ command: [String]) throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/chroot")
            process.arguments = [path] + command
            process.environment = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"]
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try process.run()
            return process
        }

        func files(_ dir: String) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() }
    }

    /// Waits (for another process's work) up to `seconds`.
    func eventually(_ seconds: Double = 20, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    @Test func goThinDaemonSetCommandsRunAsWritten() throws {
        let root = try ImageRoot()
        defer { root.remove() }
        try #"{"cniVersion":"0.3.1","name":"cbr0","plugins":[{"type":"flannel","delegate":{"isDefaultGateway":true}},{"type":"portmap","capabilities":{"portMappings":true}}]}"#
            .write(toFile: root.netd + "/10-flannel.conflist", atomically: true, encoding: .utf8)

        // initContainers[0]: command ["/install_multus"], args ["--type", "thin"].
        let install = try root.run(["/install_multus", "--type", "thin"])
        #expect(install.status == 0, "\(install.stderr)")
        #expect(root.files(root.bin) == ["multus", "passthru"])

        // containers[0]: command ["/thin_entrypoint"] with Go's args.
        let entrypoint = try root.start(["/thin_entrypoint", "--multus-conf-file=auto", "--multus-autoconfig-dir=/host/etc/cni/net.d",
                                         "--cni-conf-dir=/host/etc/cni/net.d"])
        defer {
            if entrypoint.isRunning { entrypoint.terminate() }
            entrypoint.waitUntilExit()  // before the root's /proc is unmounted
        }
        #expect(eventually { root.files(root.netd) == ["00-multus.conf", "10-flannel.conflist", "multus.d"] })
        let conf = try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: root.netd + "/00-multus.conf"))))
        #expect(conf["type"] == "multus")
        #expect(conf["cniConf"] == "/host/etc/cni/multus/net.d")
        #expect(FileManager.default.fileExists(atPath: root.path + "/host/etc/cni/multus/net.d"), "created, as Go does")
        #expect(root.files(root.netd + "/multus.d") == ["multus.kubeconfig", "token"])

        kill(entrypoint.processIdentifier, SIGTERM)
        entrypoint.waitUntilExit()
        #expect(entrypoint.terminationStatus == 0)
        #expect(root.files(root.netd) == ["00-multus.conf", "10-flannel.conflist", "multus.d"], "SIGTERM leaves the config, as Go")
    }

    @Test func goThickDaemonSetPathsExist() throws {
        let root = try ImageRoot()
        defer { root.remove() }
        // initContainers[0]: ["/usr/src/multus-cni/bin/install_multus", "-d", "/host/opt/cni/bin", "-t", "thick"].
        let install = try root.run(["/usr/src/multus-cni/bin/install_multus", "-d", "/host/opt/cni/bin", "-t", "thick"])
        #expect(install.status == 0, "\(install.stderr)")
        #expect(root.files(root.bin) == ["multus-shim", "passthru"])
        // containers[0]: ["/usr/src/multus-cni/bin/multus-daemon"]: there, and says what it is not yet.
        let daemon = try root.run(["/usr/src/multus-cni/bin/multus-daemon"])
        #expect(daemon.status == 1)
        #expect(daemon.stderr.contains("thick mode"))
    }
}
