import CNISpec
import Foundation
import KubeAPIServerDouble
import Testing

/// Our binary under Go's plugin name `multus`, given what Go's thin_entrypoint
/// writes (Tests/Fixtures/GoMultus/thin_entrypoint: the 00-multus.conflist and
/// the kubeconfig with the token inline), with the reference plugins, a real
/// namespace and the API server double. Only host paths are moved into the
/// test's own folders: the kubeconfig's server, CA and token (the double's),
/// host-local's dataDir and subnet, and the cache folder Go leaves to the
/// default (/var/lib/cni/multus).
@Suite(.enabled(if: Harness.canRun && FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"),
                "needs root, the reference plugins and openssl"))
struct GoInstallFormatsTests {
    static let fixtures = Harness.packageRoot + "/Tests/Fixtures/GoMultus/thin_entrypoint"

    /// The binary as `multus` (a link: the name is the face).
    static func multusFace(in sandbox: Sandbox) throws -> String {
        let path = sandbox.dir + "/bin/multus"
        try FileManager.default.createDirectory(atPath: sandbox.dir + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: Harness.binary)
        return path
    }

    /// Go's kubeconfig text with the double's server, CA and token in its lines.
    static func goKubeconfig(server: String, caPEM: [UInt8], token: String) throws -> String {
        let text = try String(contentsOfFile: fixtures + "/kindnet/multus.kubeconfig", encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            if line.hasPrefix("    server: ") { return "    server: \(server)" }
            if line.hasPrefix("    certificate-authority-data: ") {
                return "    certificate-authority-data: \(Data(caPEM).base64EncodedString())"
            }
            if line.hasPrefix("    token: ") { return "    token: \"\(token)\"" }
            return String(line)
        }.joined(separator: "\n")
    }

    @Test func goGeneratedConflistAndKubeconfigServeAPodThroughTheMultusFace() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let fixture = PodNetworksFixture(sandbox: sandbox)
        let pki = try KubeAPIServerDouble.makeTestPKI(in: sandbox.dir + "/pki")
        let server = try await KubeAPIServerDouble.start(pki: pki)
        _ = server.seed(fixture.pod())
        _ = server.seed(fixture.macvlanNAD)
        _ = server.seed(fixture.routedNAD)

        let kubeconfig = sandbox.dir + "/multus.kubeconfig"
        try Self.goKubeconfig(server: server.serverURL, caPEM: pki.caCertificatePEM, token: "test-token")
            .write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        let config = try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/kindnet/00-multus.conflist"))))
        var plugin = try #require(config["plugins"]?.arrayValue?.first)
        #expect(plugin["type"] == "multus")
        #expect(plugin["cniConf"] == "/host/etc/cni/multus/net.d", "Go's key stays, and is ignored")
        var delegate = try #require(plugin["delegates"]?.arrayValue?.first)
        var chain = try #require(delegate["plugins"]?.arrayValue)
        chain[0]["ipam"]?["dataDir"] = .string(sandbox.ipamDir)
        chain[0]["ipam"]?["ranges"] = [[["subnet": .string(Sandbox.newSubnet())]]]
        delegate["plugins"] = .array(chain)
        plugin["delegates"] = [delegate]
        plugin["kubeconfig"] = .string(kubeconfig)
        plugin["cniDir"] = .string(sandbox.cniDir)
        // What a runtime passes for the conflist's one plugin (libcni buildOneConfig): the
        // plugin with the list's name and cniVersion.
        plugin["name"] = config["name"]
        plugin["cniVersion"] = config["cniVersion"]
        let text = plugin.serialized

        let multus = try Self.multusFace(in: sandbox)
        func call(_ command: String) throws -> Harness.Output {
            try Harness.run(multus, [], environment: [
                "CNI_COMMAND": command, "CNI_CONTAINERID": "ctr-\(sandbox.id)", "CNI_NETNS": sandbox.netnsPath,
                "CNI_IFNAME": "eth0", "CNI_ARGS": fixture.cniArgs, "CNI_PATH": Harness.pluginDir,
                "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"], stdin: text)
        }

        let add = try call("ADD")
        #expect(add.status == 0, "\(add.stdout)")
        #expect(add.json?["cniVersion"] == "1.0.0")
        #expect(try sandbox.interfaces() == ["data0", "eth0", "net2"], "kindnet's ptp as eth0, then the pod's networks")
        let podPath = "/api/v1/namespaces/\(fixture.podNamespace)/pods/\(fixture.podName)"
        let status = try #require(server.object(at: podPath)?["metadata"]?["annotations"]?["k8s.v1.cni.cncf.io/network-status"]?.stringValue)
        #expect(try JSONValue(parsing: status).arrayValue?.map { $0["name"] } == ["kindnet", "apps/macvlan-static", "infra/routed"])
        #expect(!server.requests.isEmpty && server.requests.allSatisfy(\.authenticated), "by the token inline in Go's kubeconfig")

        // No CHECK: Debian's bandwidth plugin panics on CHECK without a bandwidth setting.
        let del = try call("DEL")
        #expect(del.status == 0, "\(del.stdout)")
        #expect(try sandbox.interfaces().isEmpty)
        #expect(sandbox.reservedAddresses().isEmpty)
        #expect(sandbox.cacheFiles().filter { !$0.hasPrefix("deleted/") }.isEmpty, "only the finished DEL's tombstone stays")
        await server.shutdown()
    }
}
