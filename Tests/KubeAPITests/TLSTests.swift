import CNISpec
import Foundation
import KubeAPI
import KubeAPIServerDouble
import struct TestSupport.TemporaryDirectory
import Testing

/// Certificate verification and client certificates, against the double's
/// real TLS (BoringSSL on both sides).
@Suite struct TLSTests {
    static let podPath = "/api/v1/namespaces/default/pods/web-1"

    @Test func certificateAuthorityMismatchFailsClearlyWithoutRetrying() async throws {
        let time = FakeTime()
        try await withDouble(pki: Fixture.otherPKI) { double, dir throws in
            // The kubeconfig trusts Fixture.pki's CA; the server shows otherPKI's certificate.
            let path = dir + "/kubeconfig"
            try double.writeKubeconfig(to: path)
            var config = try Kubeconfig.load(path: path)
            config.certificateAuthorityPEM = Fixture.pki.caCertificatePEM
            let client = try KubeClient(config: config, options: Fixture.options(time))
            defer { client.shutdown() }
            let message = transportMessage { _ = try client.get(Self.podPath) }
            #expect(message == "GET \(Self.podPath): TLS handshake with \(double.serverURL) failed: the server certificate "
                + "is not trusted (check certificate-authority and tls-server-name): CERTIFICATE_VERIFY_FAILED "
                + "(unable to get local issuer certificate)")
            #expect(double.requests.isEmpty)
            #expect(double.connectionCount == 1)
        }
        #expect(time.sleeps.isEmpty)
    }

    @Test func serverCertificateForAnotherNameIsRefused() async throws {
        try await withDouble(pki: Fixture.namedOnlyPKI) { double, dir throws in
            // Reached at 127.0.0.1, the certificate names only api.internal.example.
            try withClient(double, dir: dir) { client throws in
                let message = transportMessage { _ = try client.get(Self.podPath) }
                #expect(message?.hasSuffix("CERTIFICATE_VERIFY_FAILED (IP address mismatch)") == true)
            }
            #expect(double.requests.isEmpty)
        }
    }

    @Test func tlsServerNameIsUsedForVerification() async throws {
        try await withDouble(pki: Fixture.namedOnlyPKI) { double, dir throws in
            double.seed(Manifests.pod("web-1"))
            let path = dir + "/kubeconfig"
            try double.writeKubeconfig(to: path, tlsServerName: "api.internal.example")
            let good = try KubeClient(config: try Kubeconfig.load(path: path), options: Fixture.options())
            #expect(try good.get(Self.podPath)["metadata"]?["name"]?.stringValue == "web-1")
            good.shutdown()

            try double.writeKubeconfig(to: path, tlsServerName: "not-in-the-certificate.example")
            let bad = try KubeClient(config: try Kubeconfig.load(path: path), options: Fixture.options())
            let message = transportMessage { _ = try bad.get(Self.podPath) }
            #expect(message?.hasSuffix("CERTIFICATE_VERIFY_FAILED (Hostname mismatch)") == true)
            bad.shutdown()
            #expect(double.requestCount() == 1)
        }
    }

    @Test func hostNamesAreResolvedAndVerified() async throws {
        try await withDouble { double, dir throws in
            double.seed(Manifests.pod("web-1"))
            // The default server certificate names localhost as well.
            try double.writeKubeconfig(to: dir + "/kubeconfig", server: "https://localhost:\(double.port)")
            let client = try KubeClient(config: try Kubeconfig.load(path: dir + "/kubeconfig"), options: Fixture.options())
            defer { client.shutdown() }
            #expect(try client.get(Self.podPath)["metadata"]?["name"]?.stringValue == "web-1")
        }
    }

    @Test func insecureSkipTLSVerifyAcceptsAnyCertificate() async throws {
        try await withDouble(pki: Fixture.otherPKI) { double, _ throws in
            double.seed(Manifests.pod("web-1"))
            let config = KubeClientConfig(server: double.serverURL, insecureSkipTLSVerify: true, bearerToken: "test-token")
            let client = try KubeClient(config: config, options: Fixture.options())
            defer { client.shutdown() }
            #expect(try client.get(Self.podPath)["metadata"]?["name"]?.stringValue == "web-1")
        }
    }

    @Test func clientCertificateAuthenticationInlineAndFromFiles() async throws {
        try await withDouble { double, dir throws in
            double.seed(Manifests.pod("web-1"))
            double.setTokens([])
            for inline in [true, false] {
                try withClient(double, dir: dir, credential: .clientCertificate(inline: inline)) { client throws in
                    #expect(try client.get(Self.podPath)["metadata"]?["name"]?.stringValue == "web-1")
                }
            }
            // The same server turns away a client without a certificate or token.
            try withClient(double, dir: dir, credential: .none) { client throws in
                #expect(throws: KubeError.status(code: 401, reason: "Unauthorized", message: "Unauthorized")) {
                    try client.get(Self.podPath)
                }
            }
            #expect(double.requests.map(\.authenticated) == [true, true, false])
        }
    }

    /// SEC1 (`EC PRIVATE KEY`) and PKCS#1 (`RSA PRIVATE KEY`) keys, besides PKCS#8.
    @Test func clientKeysInTraditionalFormats() async throws {
        let pki = Fixture.pki
        let dir = TemporaryDirectory("keys").path
        try openssl(["ec", "-in", pki.clientKeyPath, "-out", "\(dir)/ec.key"])
        try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(dir)/rsa8.key", "-out", "\(dir)/rsa.csr",
                     "-subj", "/O=system:nodes/CN=system:multus-rsa"])
        try openssl(["x509", "-req", "-in", "\(dir)/rsa.csr", "-CA", pki.caCertificatePath, "-CAkey", pki.caKeyPath,
                     "-set_serial", "4242", "-days", "1", "-out", "\(dir)/rsa.crt"])
        try openssl(["rsa", "-in", "\(dir)/rsa8.key", "-traditional", "-out", "\(dir)/rsa.key"])
        #expect(try String(contentsOfFile: "\(dir)/ec.key", encoding: .utf8).contains("BEGIN EC PRIVATE KEY"))
        #expect(try String(contentsOfFile: "\(dir)/rsa.key", encoding: .utf8).contains("BEGIN RSA PRIVATE KEY"))
        try await withDouble { double, _ throws in
            double.seed(Manifests.pod("web-1"))
            double.setTokens([])
            for (certificate, key) in [(pki.clientCertificatePath, "\(dir)/ec.key"), ("\(dir)/rsa.crt", "\(dir)/rsa.key")] {
                let config = KubeClientConfig(
                    server: double.serverURL, certificateAuthorityPEM: pki.caCertificatePEM,
                    clientCertificatePEM: Array(try Data(contentsOf: URL(fileURLWithPath: certificate))),
                    clientKeyPEM: Array(try Data(contentsOf: URL(fileURLWithPath: key))))
                let client = try KubeClient(config: config, options: Fixture.options())
                defer { client.shutdown() }
                #expect(try client.get(Self.podPath)["metadata"]?["name"]?.stringValue == "web-1")
            }
        }
    }

    @Test func badPEMIsAConfigurationErrorBeforeAnyConnection() throws {
        let broken = KubeClientConfig(server: "https://127.0.0.1:1", certificateAuthorityPEM: Array("not a pem".utf8),
                                      source: "kubeconfig k")
        #expect(throws: KubeError.configuration("kubeconfig k: certificate authority is not a valid PEM certificate")) {
            try KubeClient(config: broken)
        }
        let mismatched = KubeClientConfig(
            server: "https://127.0.0.1:1", clientCertificatePEM: Fixture.pki.clientCertificatePEM,
            clientKeyPEM: Array(try Data(contentsOf: URL(fileURLWithPath: Fixture.otherPKI.clientKeyPath))), source: "kubeconfig k")
        #expect(throws: KubeError.configuration("kubeconfig k: client key does not match the client certificate")) {
            try KubeClient(config: mismatched)
        }
    }

    func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "openssl \(arguments.joined(separator: " "))")
    }
}
