import CNISpec
import SystemSupport
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The entry paths and arguments of Go Multus's thin DaemonSet, copied from
/// deployments/multus-daemonset.yml (k8snetworkplumbingwg/multus-cni, master
/// 95a0932): the operator swaps only the image, so these must work as they are.
enum GoThinDaemonSet {
    /// initContainers[0] "install-multus-binary".
    static let installCommand = ["/install_multus"]
    static let installArgs = ["--type", "thin"]
    /// containers[0] "kube-multus".
    static let command = ["/thin_entrypoint"]
    static let args = ["--multus-conf-file=auto", "--multus-autoconfig-dir=/host/etc/cni/net.d", "--cni-conf-dir=/host/etc/cni/net.d"]
}

/// A temporary image root: `/thin_entrypoint` and `/install_multus` link to the
/// built binary as in install/Containerfile, `/host/…` are the host folders the
/// DaemonSet mounts. Container paths in the arguments are moved under it, and
/// so are the defaults that name container paths (which Go's manifest leaves
/// to the defaults), each given as the flag Go has for it.
struct SwappedDaemonSet {
    let host: FakeHost
    var root: String { host.root }

    init() throws {
        host = try FakeHost()
        for entry in GoThinDaemonSet.installCommand + GoThinDaemonSet.command {
            guard symlink(builtBinary!, root + entry) == 0 else {
                let error = SystemError("symlink", root + entry)
                host.remove()
                throw error
            }
        }
    }

    func substituted(_ argument: String) -> String {
        argument.replacing("/host/", with: "\(root)/host/")
    }

    var installArgs: [String] { GoThinDaemonSet.installArgs.map(substituted) + ["--dest-dir", host.bin] }

    var entrypointArgs: [String] {
        GoThinDaemonSet.args.map(substituted)
            + ["--cni-bin-dir=\(host.bin)", "--multus-cni-conf-dir=\(host.multusNetd)", "--service-account-dir=\(host.sa)"]
    }

    var environment: [String: String] { ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443", "PATH": "/usr/bin:/bin"] }

    func startEntrypoint(_ extra: [String] = []) throws -> ChildProcess {
        try ChildProcess(root + GoThinDaemonSet.command[0], entrypointArgs + extra, environment: environment, log: root + "/entrypoint.log")
    }
}

@Suite("Go's thin DaemonSet, image swapped: its entry paths and flags drive our binary",
       .enabled(if: canRunFaces, "multus-swift is not built, or /usr/src/multus-cni/bin exists"))
struct DaemonSetSwapTests {
    @Test("the initContainer's /install_multus --type thin installs multus and passthru, this very binary, Go's messages")
    func initContainerInstallsMultusAndPassthru() throws {
        let ds = try SwappedDaemonSet()
        defer { ds.host.remove() }
        let run = try runFace(ds.root + GoThinDaemonSet.installCommand[0], ds.installArgs)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "multus multus copy succeeded!\npassthru cni /usr/src/multus-cni/bin/passthru copy succeeded!\n")
        let binary = try FileSystem.read(builtBinary!)
        for name in ["multus", "passthru"] {
            #expect(FileSystem.isExecutableFile(ds.host.bin + "/" + name), "\(name)")
            #expect(try FileSystem.read(ds.host.bin + "/" + name) == binary, "\(name) is a copy of the binary")
        }
        #expect(FileSystem.list(ds.host.bin) == ["multus", "passthru"], "no temporary file left")
    }

    @Test("/thin_entrypoint with Go's args: binary, 00-multus.conf of type multus, kubeconfig; SIGTERM exits 0 and the config survives")
    func entrypointThenSigtermKeepsConfig() throws {
        let ds = try SwappedDaemonSet()
        defer { ds.host.remove() }
        try ds.host.write(ds.host.netd + "/10-flannel.conflist", Fixtures.flannel)
        #expect(try runFace(ds.root + GoThinDaemonSet.installCommand[0], ds.installArgs).status == 0)
        let child = try ds.startEntrypoint()
        defer { child.terminate() }

        let conf = ds.host.netd + "/00-multus.conf", kubeconfig = ds.host.netd + "/multus.d/multus.kubeconfig"
        #expect(waitUntil { FileSystem.exists(conf) && FileSystem.exists(kubeconfig) }, "log:\n\(ds.host.read(child.log) ?? "")")
        let json = try #require(try ds.host.json(conf))
        #expect(json["type"] == "multus")
        #expect(json["kubeconfig"] == "/etc/cni/net.d/multus.d/multus.kubeconfig")
        #expect(json["delegates"]?.arrayValue?.first?["name"] == "cbr0")
        #expect(try FileSystem.read(ds.host.bin + "/multus") == FileSystem.read(builtBinary!))
        #expect(FileSystem.isExecutableFile(ds.host.bin + "/passthru"))

        child.kill(SIGTERM)
        #expect(child.wait(seconds: 10) == 0, "log:\n\(ds.host.read(child.log) ?? "")")
        #expect(FileSystem.exists(conf), "--cleanup-config-on-exit is false by default, as Go")
        #expect(FileSystem.exists(kubeconfig))
    }

    @Test("with --cleanup-config-on-exit=true, SIGTERM removes 00-multus.conf (the binaries stay)")
    func cleanupOnExitRemovesConfig() throws {
        let ds = try SwappedDaemonSet()
        defer { ds.host.remove() }
        try ds.host.write(ds.host.netd + "/10-kindnet.conflist", Fixtures.kindnet)
        let child = try ds.startEntrypoint(["--cleanup-config-on-exit=true"])
        defer { child.terminate() }
        let conflist = ds.host.netd + "/00-multus.conflist"
        #expect(waitUntil { FileSystem.exists(conflist) }, "log:\n\(ds.host.read(child.log) ?? "")")

        child.kill(SIGTERM)
        #expect(child.wait(seconds: 10) == 0, "log:\n\(ds.host.read(child.log) ?? "")")
        #expect(!FileSystem.exists(conflist))
        #expect(FileSystem.list(ds.host.netd) == ["10-kindnet.conflist"])
        #expect(FileSystem.isExecutableFile(ds.host.bin + "/multus"))
    }

    @Test("`multus-swift install` is the same entrypoint: Go's flags and pflag's --help")
    func multusSwiftInstallIsTheEntrypoint() throws {
        let help = try runFace(builtBinary!, ["install", "--help"])
        let go = try #require(try FileSystem.read(packageRoot + "/Tests/Fixtures/GoMultus/thin_entrypoint-help.txt"))
        #expect(help.status == 1)
        #expect(help.stderr == String(decoding: go, as: UTF8.self))
        let bad = try runFace(builtBinary!, ["install", "--bogus"])
        #expect(bad.status == 2)
        #expect(bad.stderr.hasPrefix("Usage of \(builtBinary!) install:\n"))
        #expect(bad.stderr.hasSuffix("unknown flag: --bogus\n"))
    }

    @Test("a missing host folder fails the start with status 1 before anything is written (Go exits 0 there)")
    func missingFolderFails() throws {
        let ds = try SwappedDaemonSet()
        defer { ds.host.remove() }
        let child = try ChildProcess(ds.root + "/thin_entrypoint", ds.entrypointArgs.map { $0.replacing("/host/etc/cni/net.d", with: "/host/etc/cni/none") },
                                     environment: ds.environment, log: ds.root + "/entrypoint.log")
        defer { child.terminate() }
        #expect(child.wait(seconds: 10) == 1)
        #expect(FileSystem.list(ds.host.netd).isEmpty)
    }
}

@Suite("install_multus as Go's cmd/install_multus", .enabled(if: canRunFaces, "multus-swift is not built, or /usr/src/multus-cni/bin exists"))
struct InstallMultusFaceTests {
    func installMultus(_ host: FakeHost) throws -> String {
        let path = host.root + "/install_multus"
        guard symlink(builtBinary!, path) == 0 else { throw SystemError("symlink", path) }
        return path
    }

    @Test("--type thick installs multus-shim and passthru; -d and -t spellings as the thick DaemonSet uses them")
    func thickInstallsShimAndPassthru() throws {
        let host = try FakeHost()
        defer { host.remove() }
        // deployments/multus-daemonset-thick.yml: ["/usr/src/multus-cni/bin/install_multus", "-d", "/host/opt/cni/bin", "-t", "thick"]
        let run = try runFace(try installMultus(host), ["-d", host.bin, "-t", "thick"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("multus multus-shim copy succeeded!\n"))
        #expect(FileSystem.list(host.bin) == ["multus-shim", "passthru"])
    }

    @Test("no or a bad --type: Go's message, status 1; a bad flag: status 2; --help: status 1; a missing --dest-dir: status 1")
    func errorsAsGo() throws {
        let host = try FakeHost()
        defer { host.remove() }
        let face = try installMultus(host)
        for arguments in [[], ["--type=bogus"]] {
            let run = try runFace(face, arguments + ["--dest-dir", host.bin])
            #expect(run.status == 1)
            #expect(run.stderr == "--type is missing or --type has invalid value\n")
        }
        #expect(try runFace(face, ["--bogus"]).status == 2)
        let help = try runFace(face, ["-h"])
        #expect(help.status == 1)
        #expect(help.stderr == String(decoding: try #require(try FileSystem.read(packageRoot + "/Tests/Fixtures/GoMultus/install_multus-help.txt")), as: UTF8.self))
        let missing = try runFace(face, ["--type", "thin", "--dest-dir", host.root + "/none"])
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("failed to copy file multus: "))
        #expect(FileSystem.list(host.bin).isEmpty)
    }
}
