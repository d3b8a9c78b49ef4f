import CNISpec
import Foundation
import KubeAPIServerDouble
import Testing
import TestSupport

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

    /// Go's deployments/multus-daemonset-thick.yml as written: the
    /// initContainer's install_multus, then the container's multus-daemon with
    /// no flags, reading Go's ConfigMap at the default -config path
    /// (chrootDir /hostroot, socketDir /host/run/multus/, auto config in
    /// /host/etc/cni/net.d, cniVersion 0.3.1), the in-cluster service account
    /// (the double) and MULTUS_NODE_NAME. The DaemonSet's mounts are made in a
    /// mount namespace of the daemon's own (gone when it exits): / at
    /// /hostroot, /run/netns, and the plugins' folder. Then a pod through the
    /// installed shim on the host, with the socket at what the host calls /run/multus.
    @Test func goThickDaemonSetRunsAsWritten() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"), Harness.pluginsInstalled else { return }
        let root = try ImageRoot()
        defer { root.remove() }
        // initContainers[0]: ["/usr/src/multus-cni/bin/install_multus", "-d", "/host/opt/cni/bin", "-t", "thick"].
        let install = try root.run(["/usr/src/multus-cni/bin/install_multus", "-d", "/host/opt/cni/bin", "-t", "thick"])
        #expect(install.status == 0, "\(install.stderr)")
        #expect(root.files(root.bin) == ["multus-shim", "passthru"])

        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let pki = try KubeAPIServerDouble.makeTestPKI(in: sandbox.dir + "/pki")
        let server = try await KubeAPIServerDouble.start(pki: pki)
        var bridge = sandbox.bridgeNetwork(name: "data", version: "0.3.1")
        bridge["name"] = nil
        server.seed(PodNetworksFixture.nad(name: "data", namespace: "default", config: bridge))
        server.seed(["apiVersion": "v1", "kind": "Pod",
                     "metadata": ["name": "web", "namespace": "default", "uid": "uid-web", "annotations": ["k8s.v1.cni.cncf.io/networks": "data"]],
                     "spec": ["nodeName": "node-1"]])
        defer { Task { await server.shutdown() } }

        // Go's ConfigMap multus-daemon-config, mounted at /etc/cni/net.d/multus.d.
        let goConfig = try String(contentsOfFile: Harness.packageRoot + "/Tests/Fixtures/GoMultus/daemon-config.json", encoding: .utf8)
        let fm = FileManager.default
        for dir in ["/etc/cni/net.d/multus.d", "/hostroot", "/run/netns", "/usr/lib/cni", "/host/run", "/var/lib/cni/multus"] {
            try fm.createDirectory(atPath: root.path + dir, withIntermediateDirectories: true)
        }
        try goConfig.write(toFile: root.path + "/etc/cni/net.d/multus.d/daemon-config.json", atomically: true, encoding: .utf8)
        var cluster = sandbox.bridgeNetwork(name: "cluster", version: "0.3.1")
        cluster["ipam"]?["routes"] = [["dst": "0.0.0.0/0"]]
        try cluster.pretty.write(toFile: root.netd + "/10-cluster.conf", atomically: true, encoding: .utf8)
        let sa = root.path + "/var/run/secrets/kubernetes.io/serviceaccount"
        try "test-token".write(toFile: sa + "/token", atomically: true, encoding: .utf8)
        try fm.removeItem(atPath: sa + "/ca.crt")
        try fm.copyItem(atPath: pki.caCertificatePath, toPath: sa + "/ca.crt")

        let mounts = "mount --rbind / \(root.path)/hostroot && mount --rbind /run/netns \(root.path)/run/netns"
            + " && mount --bind \(Harness.pluginDir) \(root.path)/usr/lib/cni"
        let daemon = try ChildProcess("/usr/bin/unshare", ["-m", "--propagation", "private", "/bin/sh", "-c",
                                                           "\(mounts) && exec /usr/sbin/chroot \(root.path) /usr/src/multus-cni/bin/multus-daemon"],
                                      environment: ["MULTUS_NODE_NAME": "node-1", "KUBERNETES_SERVICE_HOST": "127.0.0.1",
                                                    "KUBERNETES_SERVICE_PORT": String(server.port), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"],
                                      log: sandbox.dir + "/daemon.log")
        defer { daemon.stop() }
        let socket = root.path + "/host/run/multus/multus.sock"
        #expect(eventually(30) { fm.fileExists(atPath: socket) && fm.fileExists(atPath: root.netd + "/00-multus.conf") },
                "\((try? String(contentsOfFile: sandbox.dir + "/daemon.log", encoding: .utf8)) ?? "")")
        let conf = try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: root.netd + "/00-multus.conf"))))
        #expect(conf["type"] == "multus-shim")
        #expect(conf["cniVersion"] == "0.3.1")
        #expect(conf["name"] == "multus-cni-network")
        #expect(conf["clusterNetwork"] == "/host/etc/cni/net.d/10-cluster.conf")
        #expect(conf["daemonSocketDir"] == nil, "Go's config names none: the shim's default /run/multus/ is the host's side of /host/run/multus/")

        // The runtime on the host runs the installed shim; its /run/multus is the daemon's /host/run/multus.
        guard case .object(var shimConfig) = conf else { return }
        shimConfig["daemonSocketDir"] = .string(root.path + "/host/run/multus/")
        let netns = "/run/netns/" + sandbox.netnsName
        func shim(_ command: String) throws -> Harness.Output {
            try Harness.run(root.bin + "/multus-shim", [], environment: [
                "CNI_COMMAND": command, "CNI_CONTAINERID": "ctr-\(sandbox.id)", "CNI_NETNS": netns, "CNI_IFNAME": "eth0",
                "CNI_PATH": Harness.pluginDir, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
                "CNI_ARGS": "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;K8S_POD_UID=uid-web",
            ], stdin: JSONValue.object(shimConfig).serialized)
        }
        let add = try shim("ADD")
        #expect(add.status == 0, "\(add.stdout) \((try? String(contentsOfFile: sandbox.dir + "/daemon.log", encoding: .utf8)) ?? "")")
        #expect(add.json?["cniVersion"] == "0.3.1")
        #expect(try sandbox.interfaces() == ["eth0", "net1"])
        #expect(root.files(root.path + "/var/lib/cni/multus").contains("ctr-\(sandbox.id)"), "the scratch cache is the daemon's /var/lib/cni/multus")
        let del = try shim("DEL")
        #expect(del.status == 0, "\(del.stdout)")
        #expect(try sandbox.interfaces().isEmpty)
        #expect(sandbox.reservedAddresses().isEmpty)

        kill(daemon.pid, SIGTERM)
        #expect(eventually(5) { !daemon.isRunning })
        #expect(daemon.exitStatus == 0)
    }
}
