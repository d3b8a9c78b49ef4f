import CNISpec
import Foundation
import Testing

/// A real container runtime drives the binary: podman (CNI backend, runc)
/// starts a busybox container on a network whose plugin is multus-swift, with
/// a bridge cluster network and a macvlan default network.
@Suite(.enabled(if: Harness.canRun && Podman.available, "needs root, podman, runc, jq and busybox-static"))
struct PodmanTests {
    @Test func podmanContainerGetsClusterAndDefaultNetworksAndRmTearsDown() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let dir = sandbox.dir
        let fm = FileManager.default
        for sub in ["bin", "net.d", "rootfs/bin", "rootfs/proc", "rootfs/sys", "rootfs/dev", "rootfs/etc", "storage", "run"] {
            try fm.createDirectory(atPath: "\(dir)/\(sub)", withIntermediateDirectories: true)
        }
        try fm.copyItem(atPath: Harness.binary, toPath: "\(dir)/bin/multus-swift")
        try fm.copyItem(atPath: "/bin/busybox", toPath: "\(dir)/rootfs/bin/busybox")

        let clusterSubnet = Sandbox.newSubnet(), macvlanSubnet = Sandbox.newSubnet()
        let macvlanPath = try sandbox.write(sandbox.macvlanNetwork(name: "macvlan-net", subnet: macvlanSubnet), to: "20-macvlan.conf")
        let multus: JSONValue = ["cniVersion": "1.0.0", "name": .string("msw\(sandbox.id)"), "plugins": [[
            "type": "multus-swift", "cniDir": .string(sandbox.cniDir), "binDir": .string(Harness.pluginDir),
            "logToStderr": false,
            "clusterNetwork": .string(try sandbox.write(sandbox.bridgeNetwork(name: "cluster", subnet: clusterSubnet), to: "10-cluster.conf")),
            "defaultNetworks": [.string(macvlanPath)],
        ]]]
        try multus.pretty.write(toFile: "\(dir)/net.d/multus.conflist", atomically: true, encoding: .utf8)
        try """
        [network]
        network_backend = "cni"
        cni_plugin_dirs = ["\(dir)/bin", "\(Harness.pluginDir)"]
        network_config_dir = "\(dir)/net.d"
        """.write(toFile: "\(dir)/containers.conf", atomically: true, encoding: .utf8)
        // runc minus RLIMIT_NPROC: this machine's kernel refuses to set it on a
        // container's init (EPERM even when lowering); nothing else is changed.
        try """
        #!/bin/sh
        prev=
        for a in "$@"; do
          case "$prev" in --bundle|-b)
            jq '.process.rlimits |= ((. // []) | map(select(.type != "RLIMIT_NPROC")))' "$a/config.json" > "$a/config.json.new" && mv "$a/config.json.new" "$a/config.json";;
          esac
          prev=$a
        done
        exec \(Podman.runc) "$@"
        """.write(toFile: "\(dir)/runc", atomically: true, encoding: .utf8)
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(dir)/runc")

        let env = ["CONTAINERS_CONF": "\(dir)/containers.conf", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": dir]
        let podman = ["--root", "\(dir)/storage", "--runroot", "\(dir)/run", "--runtime", "\(dir)/runc", "--cgroup-manager", "cgroupfs"]
        let name = "msw\(sandbox.id)"
        defer {
            _ = try? Harness.run("/usr/bin/podman", podman + ["rm", "-f", name], environment: env)
            _ = try? Harness.run("/bin/umount", ["-R", "\(dir)/storage/overlay"])
        }

        let run = try Harness.run("/usr/bin/podman", podman + [
            "run", "--name", name, "--ulimit", "nofile=20000:20000", "--network", name,
            "--rootfs", "\(dir)/rootfs", "/bin/busybox", "ip", "-o", "-4", "addr",
        ], environment: env)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        let clusterPrefix = String(clusterSubnet.dropLast(4)), macvlanPrefix = String(macvlanSubnet.dropLast(4))
        #expect(lines.contains { $0.contains(" eth0 ") && $0.contains("inet \(clusterPrefix)") }, "\(run.stdout)")
        #expect(lines.contains { $0.contains(" net1 ") && $0.contains("inet \(macvlanPrefix)") }, "\(run.stdout)")
        // podman tears the network down when the container exits; rm removes the rest.
        let rm = try Harness.run("/usr/bin/podman", podman + ["rm", name], environment: env)
        #expect(rm.status == 0, "\(rm.stderr)")
        #expect(sandbox.reservedAddresses().isEmpty)
        #expect(sandbox.cacheFiles().isEmpty)
        // No host end of the pod's veth is left on the cluster bridge.
        let bridge = "mswb\(sandbox.id)0"
        let ports = try Harness.run("/usr/sbin/ip", ["-o", "link", "show", "master", bridge])
        #expect(ports.stdout.isEmpty, "\(ports.stdout)")
    }
}

enum Podman {
    static var runc: String {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/runc") ? "/usr/sbin/runc" : "/usr/bin/runc"
    }

    static var available: Bool {
        ["/usr/bin/podman", runc, "/bin/busybox", "/usr/bin/jq"].allSatisfy(FileManager.default.isExecutableFile)
    }
}
