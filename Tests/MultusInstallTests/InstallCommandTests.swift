import SystemSupport
import CNISpec
import Delegation
import Foundation
import Testing
@testable import MultusInstall

/// The built `multus-swift` next to this test bundle (or MULTUS_SWIFT_BIN).
let builtBinary: String? = {
    var candidates: [String] = []
    if let env = ProcessInfo.processInfo.environment["MULTUS_SWIFT_BIN"] { candidates.append(env) }
    let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    candidates.append(bundleDir + "/multus-swift")
    candidates += [".build-install/debug/multus-swift", ".build/debug/multus-swift"].map { packageRoot + "/" + $0 }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
}()

@Suite("`multus-swift install`, the built binary", .enabled(if: builtBinary != nil, "multus-swift is not built"))
struct InstallCommandTests {
    func launch(_ host: FakeHost, _ extra: [String]) throws -> Child {
        try Child(builtBinary!, ["install", "--cni-bin-dir", host.bin, "--cni-conf-dir", host.netd,
                                 "--service-account-dir", host.sa] + extra,
                  environment: ["KUBERNETES_SERVICE_HOST=10.96.0.1", "KUBERNETES_SERVICE_PORT=443", "PATH=/usr/bin:/bin"],
                  log: host.root + "/install.log")
    }

    @Test("SIGTERM to a running `install` removes the config, kubeconfig and token, keeps the binary, exits 0")
    func sigtermCleansUp() throws {
        let host = try FakeHost()
        defer { host.remove() }
        try host.write(host.netd + "/05-cilium.conflist", Fixtures.cilium)
        let child = try launch(host, ["--multus-conf-file=auto"])
        defer { child.terminate() }

        let conf = host.netd + "/00-multus.conf", copied = host.bin + "/multus-swift"
        #expect(waitUntil(seconds: 10) { FileSystem.exists(conf) })
        #expect(FileSystem.exists(host.netd + "/multus.d/multus.kubeconfig"))
        #expect(try FileSystem.read(copied) == FileSystem.read(builtBinary!), "it copies itself")
        #expect(FileSystem.isExecutableFile(copied))

        child.kill(SIGTERM)
        let status = child.wait(seconds: 10)
        #expect(status == 0, "exit status; log:\n\(host.read(child.log) ?? "")")
        #expect(!FileSystem.exists(conf))
        #expect(!FileSystem.exists(host.netd + "/multus.d"))
        #expect(FileSystem.isExecutableFile(copied))
        #expect(FileSystem.exists(host.netd + "/05-cilium.conflist"))
    }

    @Test("Multus's pflag spellings: --flag, --flag=true, --flag=false")
    func pflagBooleans() throws {
        let host = try FakeHost()
        defer { host.remove() }
        try host.write(host.netd + "/10-flannel.conflist", Fixtures.flannel)
        let process = try launch(host, ["--skip-multus-binary-copy", "--cleanup-config-on-exit=false",
                                        "--namespace-isolation=true", "--multus-log-to-stderr=false",
                                        "--multus-log-level=debug", "--global-namespaces=default,infra"])
        defer { process.terminate() }
        let conf = host.netd + "/00-multus.conf"
        #expect(waitUntil(seconds: 10) { FileSystem.exists(conf) })
        process.kill(SIGTERM)
        #expect(process.wait(seconds: 10) == 0, "exit status; log:\n\(host.read(process.log) ?? "")")

        let json = try #require(try host.json(conf), "--cleanup-config-on-exit=false kept it")
        #expect(json["namespaceIsolation"] == true)
        #expect(json["logToStderr"] == false)
        #expect(json["logLevel"] == "debug")
        #expect(json["globalNamespaces"] == "default,infra")
        #expect(!FileSystem.exists(host.bin + "/multus-swift"), "--skip-multus-binary-copy")
    }

    @Test("a bad flag value fails before anything is written")
    func badFlagFails() throws {
        let host = try FakeHost()
        defer { host.remove() }
        let process = try launch(host, ["--multus-log-level=chatty"])
        defer { process.terminate() }
        let status = process.wait(seconds: 10)
        #expect(status != nil && status != 0)
        #expect(FileSystem.list(host.netd).isEmpty)
        #expect(FileSystem.list(host.bin).isEmpty)
    }

    @Test("--help documents each flag")
    func helpListsEveryFlag() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: builtBinary!)
        process.arguments = ["install", "--help"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        for flag in ["--cni-bin-dir", "--multus-bin-file", "--cni-conf-dir", "--multus-conf-file",
                     "--multus-kubeconfig-file-host", "--multus-autoconfig-dir", "--multus-log-level",
                     "--multus-log-file", "--multus-log-to-stderr", "--namespace-isolation", "--global-namespaces",
                     "--readiness-indicator-file", "--additional-bin-dir", "--skip-multus-binary-copy",
                     "--skip-config-watch", "--cleanup-config-on-exit", "--rename-conf-file",
                     "--multus-master-cni-file-name", "--skip-tls-verify", "--multus-cni-conf-dir",
                     "--cni-version", "--override-network-name", "--service-account-dir"] {
            #expect(text.contains(flag), "\(flag) missing from --help")
        }
    }
}
