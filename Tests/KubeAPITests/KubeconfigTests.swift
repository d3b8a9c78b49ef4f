import Foundation
import KubeAPI
import struct TestSupport.TemporaryDirectory
import Testing

@Suite struct KubeconfigTests {
    let dir = TemporaryDirectory("kubeconfig").path

    func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    func load(_ yaml: String, name: String = "kubeconfig", context: String? = nil) throws -> KubeClientConfig {
        try write(yaml, to: "\(dir)/\(name)")
        return try Kubeconfig.load(path: "\(dir)/\(name)", context: context)
    }

    func configurationMessage(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as KubeError {
            guard case .configuration(let message) = error else { return "unexpected \(error)" }
            return message
        } catch {
            return "unexpected \(error)"
        }
    }

    static func kubeconfig(cluster: String, user: String, currentContext: String? = "ctx") -> String {
        var text = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: other
              cluster:
                server: https://other.example:6443
            - name: main
              cluster:
            \(cluster)
            contexts:
            - name: other
              context:
                cluster: other
                user: other
            - name: ctx
              context:
                cluster: main
                user: multus
            users:
            - name: other
              user:
                token: other-token
            - name: multus
              user:
            \(user)

            """
        if let currentContext { text += "current-context: \(currentContext)\n" }
        return text
    }

    @Test func currentContextSelectsClusterAndUser() throws {
        let config = try load(Self.kubeconfig(
            cluster: """
                    server: https://10.96.0.1:443
                    certificate-authority-data: \(base64("CA-PEM"))
                    tls-server-name: kubernetes.default.svc
                """,
            user: "    token: secret-token-1"))
        #expect(config.server == "https://10.96.0.1:443")
        #expect(config.certificateAuthorityPEM == Array("CA-PEM".utf8))
        #expect(config.tlsServerName == "kubernetes.default.svc")
        #expect(config.insecureSkipTLSVerify == false)
        #expect(config.bearerToken == "secret-token-1")
        #expect(config.clientCertificatePEM == nil)
        #expect(config.source == "kubeconfig \(dir)/kubeconfig")
    }

    @Test func explicitContextOverridesCurrentContext() throws {
        let config = try load(Self.kubeconfig(cluster: "    server: https://a:1", user: "    token: t"), context: "other")
        #expect(config.server == "https://other.example:6443")
        #expect(config.bearerToken == "other-token")
    }

    @Test func relativePathsResolveAgainstTheKubeconfigFolder() throws {
        try FileManager.default.createDirectory(atPath: "\(dir)/multus.d/certs", withIntermediateDirectories: true)
        try write("CA-FILE", to: "\(dir)/multus.d/certs/ca.crt")
        try write("CERT-FILE", to: "\(dir)/multus.d/certs/client.crt")
        try write("KEY-FILE", to: "\(dir)/multus.d/certs/client.key")
        try write("file-token\n", to: "\(dir)/multus.d/token")
        let config = try load(Self.kubeconfig(
            cluster: """
                    server: https://api.example:6443
                    certificate-authority: certs/ca.crt
                """,
            user: """
                    client-certificate: certs/client.crt
                    client-key: certs/client.key
                    tokenFile: token
                """), name: "multus.d/multus.kubeconfig")
        #expect(config.certificateAuthorityPEM == Array("CA-FILE".utf8))
        #expect(config.clientCertificatePEM == Array("CERT-FILE".utf8))
        #expect(config.clientKeyPEM == Array("KEY-FILE".utf8))
        #expect(config.bearerToken == "file-token")
    }

    @Test func absolutePathsStayAbsolute() throws {
        try write("CA-ABS", to: "\(dir)/abs-ca.crt")
        let config = try load(Self.kubeconfig(
            cluster: """
                    server: https://api.example:6443
                    certificate-authority: \(dir)/abs-ca.crt
                """,
            user: "    token: t"), name: "kc")
        #expect(config.certificateAuthorityPEM == Array("CA-ABS".utf8))
    }

    @Test func dataFormsAreBase64AndWinOverFiles() throws {
        let config = try load(Self.kubeconfig(
            cluster: """
                    server: https://api.example:6443
                    certificate-authority: /nonexistent/ca.crt
                    certificate-authority-data: \(base64("CA-DATA"))
                """,
            user: """
                    client-certificate-data: \(base64("CERT-DATA"))
                    client-key-data: \(base64("KEY-DATA"))
                """))
        #expect(config.certificateAuthorityPEM == Array("CA-DATA".utf8))
        #expect(config.clientCertificatePEM == Array("CERT-DATA".utf8))
        #expect(config.clientKeyPEM == Array("KEY-DATA".utf8))
        #expect(config.bearerToken == nil)
    }

    @Test func tokenFileIsReadAgainOnEveryLoad() throws {
        try write("token-one", to: "\(dir)/token")
        let yaml = Self.kubeconfig(cluster: "    server: https://api:6443", user: "    tokenFile: \(dir)/token")
        #expect(try load(yaml).bearerToken == "token-one")
        try write("token-two\n", to: "\(dir)/token")  // rotated by kubelet
        #expect(try Kubeconfig.load(path: "\(dir)/kubeconfig").bearerToken == "token-two")
    }

    @Test func tokenFileWinsOverTokenAndTokenStandsInWhenFileIsMissing() throws {
        try write("from-file", to: "\(dir)/token")
        let both = Self.kubeconfig(cluster: "    server: https://api:6443",
                                   user: "    token: inline\n    tokenFile: \(dir)/token")
        #expect(try load(both).bearerToken == "from-file")
        let missing = Self.kubeconfig(cluster: "    server: https://api:6443",
                                      user: "    token: inline\n    tokenFile: \(dir)/absent")
        #expect(try load(missing).bearerToken == "inline")
    }

    @Test func missingTokenFileNamesFileAndField() throws {
        let message = configurationMessage {
            _ = try load(Self.kubeconfig(cluster: "    server: https://api:6443", user: "    tokenFile: gone/token"))
        }
        #expect(message?.contains("users[\"multus\"].user.tokenFile \(dir)/gone/token cannot be read") == true)
        #expect(message?.contains("\(dir)/kubeconfig") == true)
    }

    @Test func insecureSkipTLSVerify() throws {
        let config = try load(Self.kubeconfig(
            cluster: "    server: https://api:6443\n    insecure-skip-tls-verify: true", user: "    token: t"))
        #expect(config.insecureSkipTLSVerify)
        let both = configurationMessage {
            _ = try load(Self.kubeconfig(
                cluster: "    server: https://api:6443\n    insecure-skip-tls-verify: true\n    certificate-authority-data: \(base64("x"))",
                user: "    token: t"))
        }
        #expect(both?.contains("insecure-skip-tls-verify") == true)
    }

    @Test func serverWithoutSchemeIsHTTPSAndTrailingSlashIsDropped() throws {
        #expect(try load(Self.kubeconfig(cluster: "    server: api.example:6443", user: "    token: t")).server
            == "https://api.example:6443")
        #expect(try load(Self.kubeconfig(cluster: "    server: https://rancher/k8s/clusters/c-1/", user: "    token: t")).server
            == "https://rancher/k8s/clusters/c-1")
        #expect(try load(Self.kubeconfig(cluster: "    server: https://[fd00::1]:6443", user: "    token: t")).server
            == "https://[fd00::1]:6443")
        #expect(try load(Self.kubeconfig(cluster: "    server: https://user:pw@api.example", user: "    token: t")).server
            == "https://api.example")
    }

    @Test func missingCurrentContextIsAClearError() throws {
        let message = configurationMessage {
            _ = try load(Self.kubeconfig(cluster: "    server: https://a:1", user: "    token: t", currentContext: nil))
        }
        #expect(message == "kubeconfig \(dir)/kubeconfig: current-context is not set")
    }

    @Test func unknownContextClusterOrUserNamesIt() throws {
        let context = configurationMessage {
            _ = try load(Self.kubeconfig(cluster: "    server: https://a:1", user: "    token: t", currentContext: "nope"))
        }
        #expect(context?.contains("context \"nope\"") == true)

        let yaml = """
            clusters: []
            contexts:
            - name: c
              context: {cluster: missing-cluster, user: u}
            users: []
            current-context: c
            """
        #expect(configurationMessage { _ = try load(yaml) }?.contains("cluster \"missing-cluster\"") == true)
        let noUser = """
            clusters:
            - name: k
              cluster: {server: "https://a:1"}
            contexts:
            - name: c
              context: {cluster: k, user: missing-user}
            current-context: c
            """
        #expect(configurationMessage { _ = try load(noUser) }?.contains("user \"missing-user\"") == true)
    }

    @Test func missingServerAndMissingCAFileNameTheField() throws {
        let noServer = configurationMessage {
            _ = try load(Self.kubeconfig(cluster: "    insecure-skip-tls-verify: true", user: "    token: t"))
        }
        #expect(noServer?.hasSuffix("clusters[\"main\"].cluster.server is not set") == true)
        let noCA = configurationMessage {
            _ = try load(Self.kubeconfig(cluster: "    server: https://a:1\n    certificate-authority: ca.pem", user: "    token: t"))
        }
        #expect(noCA == "kubeconfig \(dir)/kubeconfig: clusters[\"main\"].cluster.certificate-authority \(dir)/ca.pem cannot be read: No such file or directory")
    }

    @Test func badBase64NamesTheFieldButNotTheValue() throws {
        let message = configurationMessage {
            _ = try load(Self.kubeconfig(cluster: "    server: https://a:1",
                                         user: "    client-certificate-data: c2VjcmV0!!\n    client-key-data: S0VZ"))
        }
        #expect(message?.contains("client-certificate-data is not valid base64") == true)
        #expect(message?.contains("c2VjcmV0") == false)
    }

    @Test func certificateWithoutKeyIsRejected() throws {
        let message = configurationMessage {
            _ = try load(Self.kubeconfig(cluster: "    server: https://a:1",
                                         user: "    client-certificate-data: \(base64("c"))"))
        }
        #expect(message?.contains("needs both a client certificate and a client key") == true)
    }

    @Test func secretsNeverAppearInErrorsOrDescriptions() throws {
        // A YAML error on the very line that holds the token.
        let broken = "users:\n- name: u\n  user:\n    token: \"super-secret-token\n  : [\n"
        let message = configurationMessage { _ = try load(broken) }
        #expect(message?.contains("is not valid YAML") == true)
        #expect(message?.contains("super-secret-token") == false)

        let config = try load(Self.kubeconfig(cluster: "    server: https://a:1", user: "    token: super-secret-token"))
        #expect(!"\(config)".contains("super-secret-token"))
        #expect(!String(reflecting: config).contains("super-secret-token"))
    }

    @Test func execCredentialPluginsAreReportedAsUnsupported() throws {
        let message = configurationMessage {
            _ = try load(Self.kubeconfig(cluster: "    server: https://a:1",
                                         user: "    exec:\n      command: aws\n      apiVersion: client.authentication.k8s.io/v1"))
        }
        #expect(message?.contains("exec: credential plugins are not supported") == true)
    }

    @Test func missingFileIsNamed() {
        #expect(throws: KubeError.configuration("kubeconfig /nonexistent/kubeconfig does not exist")) {
            try Kubeconfig.load(path: "/nonexistent/kubeconfig")
        }
    }
}

@Suite struct InClusterConfigTests {
    let dir = TemporaryDirectory("serviceaccount").path

    @Test func readsServiceAccountTokenAndCA() throws {
        try write("sa-token\n", to: "\(dir)/token")
        try write("CA", to: "\(dir)/ca.crt")
        let config = try KubeClientConfig.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"],
            serviceAccountDirectory: dir)
        #expect(config.server == "https://10.96.0.1:443")
        #expect(config.bearerToken == "sa-token")
        #expect(config.certificateAuthorityPEM == Array("CA".utf8))
    }

    @Test func ipv6ServiceHostGetsBrackets() throws {
        try write("t", to: "\(dir)/token")
        let config = try KubeClientConfig.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "fd00:10:96::1", "KUBERNETES_SERVICE_PORT": "443"],
            serviceAccountDirectory: dir)
        #expect(config.server == "https://[fd00:10:96::1]:443")
        #expect(config.certificateAuthorityPEM == nil)  // no ca.crt: system trust, as client-go
    }

    @Test func tokenIsReadAgainOnEveryLoad() throws {
        let env = ["KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "6443"]
        try write("old", to: "\(dir)/token")
        #expect(try KubeClientConfig.inCluster(environment: env, serviceAccountDirectory: dir).bearerToken == "old")
        try write("new", to: "\(dir)/token")
        #expect(try KubeClientConfig.inCluster(environment: env, serviceAccountDirectory: dir).bearerToken == "new")
    }

    @Test func missingEnvironmentOrTokenIsAClearError() throws {
        #expect(throws: KubeError.self) {
            try KubeClientConfig.inCluster(environment: [:], serviceAccountDirectory: dir)
        }
        do {
            _ = try KubeClientConfig.inCluster(
                environment: ["KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"],
                serviceAccountDirectory: dir)
            Issue.record("expected an error")
        } catch {
            #expect(error == .configuration("in-cluster: service account token \(dir)/token does not exist"))
        }
    }
}
