import SystemSupport
import CNISpec
import Foundation
import Testing
@testable import MultusInstall

@Suite("multus.d/multus.kubeconfig and multus.d/token")
struct KubeconfigTests {
    @Test("the kubeconfig names the token by users[].user.tokenFile and holds no token")
    func kubeconfigHasTokenFileAndNoToken() throws {
        let host = try FakeHost()
        defer { host.remove() }
        try host.write(host.netd + "/05-cilium.conflist", Fixtures.cilium)
        try Installer(options: host.options, log: .silent).start()

        let path = host.netd + "/multus.d/multus.kubeconfig"
        let text = try #require(host.read(path))
        #expect(!text.contains("token-one"))
        #expect(!text.contains("token:"))
        let doc = try #require(try loadYAML([path]).first?["docs"]?.arrayValue?.first)
        #expect(doc["kind"] == "Config")
        #expect(doc["current-context"] == "multus-context")
        let user = try #require(doc["users"]?.arrayValue?.first?["user"])
        #expect(user == ["tokenFile": "/etc/cni/net.d/multus.d/token"])
        let cluster = try #require(doc["clusters"]?.arrayValue?.first?["cluster"])
        #expect(cluster["server"] == "https://10.96.0.1:443")
        let ca = try #require(cluster["certificate-authority-data"]?.stringValue)
        #expect(Data(base64Encoded: ca) == Data(try #require(host.read(host.sa + "/ca.crt")).utf8))

        // The token copy: the service account's bytes, 0600, in the same folder.
        #expect(host.read(host.netd + "/multus.d/token") == "token-one")
        for file in ["token", "multus.kubeconfig"] {
            var st = stat()
            #expect(stat(host.netd + "/multus.d/" + file, &st) == 0)
            #expect(st.st_mode & 0o777 == 0o600, "\(file)")
        }
    }

    @Test("the token path follows --multus-kubeconfig-file-host: the host's view of the same folder")
    func tokenPathFollowsHostKubeconfig() throws {
        var options = InstallOptions()
        options.cniConfDir = "/host/etc/cni/net.d"
        options.multusKubeconfigFileHost = "/var/lib/rancher/cni/net.d/multus.d/multus.kubeconfig"
        let writer = KubeconfigWriter(options: options, apiServer: "https://k:6443")
        #expect(writer.tokenPathHost == "/var/lib/rancher/cni/net.d/multus.d/token")
        #expect(writer.tokenPath == "/host/etc/cni/net.d/multus.d/token")
        #expect(writer.kubeconfigPath == "/host/etc/cni/net.d/multus.d/multus.kubeconfig")
    }

    @Test("a rotated token rewrites only the token copy; a new CA rewrites the kubeconfig")
    func rotationRewritesTokenThenCA() throws {
        let host = try FakeHost()
        defer { host.remove() }
        try host.write(host.netd + "/05-cilium.conflist", Fixtures.cilium)
        let recorder = LogRecorder()
        let installer = Installer(options: host.options, log: recorder.log)
        try installer.start()
        let kubeconfig = host.read(host.netd + "/multus.d/multus.kubeconfig")

        try host.write(host.sa + "/token", "token-two")
        #expect(installer.poll())
        #expect(host.read(host.netd + "/multus.d/token") == "token-two")
        #expect(host.read(host.netd + "/multus.d/multus.kubeconfig") == kubeconfig)
        #expect(recorder.lines.contains { $0.contains("token changed") })

        try host.write(host.sa + "/ca.crt", "-----BEGIN CERTIFICATE-----\nMIInew\n-----END CERTIFICATE-----\n")
        #expect(installer.poll())
        #expect(host.read(host.netd + "/multus.d/multus.kubeconfig") != kubeconfig)
        #expect(!installer.poll())
    }

    @Test("--skip-tls-verify writes insecure-skip-tls-verify and no CA")
    func skipTLSVerify() throws {
        let text = KubeconfigWriter.render(server: "https://[fd00::1]:443", caData: nil, skipTLSVerify: true,
                                           tokenFile: "/etc/cni/net.d/multus.d/token")
        #expect(text.contains("insecure-skip-tls-verify: true"))
        #expect(!text.contains("certificate-authority"))
    }

    @Test("the API server comes from KUBERNETES_SERVICE_HOST/PORT; IPv6 gets brackets")
    func apiServerFromEnvironment() {
        #expect(InstallOptions.apiServer(environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"])
                == "https://10.96.0.1:443")
        #expect(InstallOptions.apiServer(environment: ["KUBERNETES_SERVICE_HOST": "fd00:10:96::1", "KUBERNETES_SERVICE_PORT": "443"])
                == "https://[fd00:10:96::1]:443")
        #expect(InstallOptions.apiServer(environment: [:]) == nil)
    }

    @Test("auto mode without a service account token fails at start, naming the file")
    func missingTokenFailsStart() throws {
        let host = try FakeHost()
        defer { host.remove() }
        try FileSystem.remove(host.sa + "/token")
        #expect {
            try Installer(options: host.options, log: .silent).start()
        } throws: { error in
            guard case InstallError.serviceAccount(let message) = error else { return false }
            return message.contains(host.sa + "/token")
        }
    }
}
