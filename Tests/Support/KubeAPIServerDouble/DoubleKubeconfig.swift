import Foundation

extension KubeAPIServerDouble {
    /// How a written kubeconfig authenticates.
    package enum KubeconfigCredential: Sendable {
        case token(String)
        case tokenFile(String)
        /// The PKI's client certificate and key; inline (`-data`) or as file paths.
        case clientCertificate(inline: Bool)
        case none
    }

    /// Writes a kubeconfig for this double: server https://127.0.0.1:<port>,
    /// the CA inline (`certificate-authority-data`) or as a path, and `credential`.
    package func writeKubeconfig(
        to path: String, credential: KubeconfigCredential = .token("test-token"), caInline: Bool = true,
        server: String? = nil, tlsServerName: String? = nil
    ) throws {
        var cluster = "    server: \(server ?? serverURL)\n"
        if caInline {
            cluster += "    certificate-authority-data: \(Data(pki.caCertificatePEM).base64EncodedString())\n"
        } else {
            cluster += "    certificate-authority: \(pki.caCertificatePath)\n"
        }
        if let tlsServerName { cluster += "    tls-server-name: \(tlsServerName)\n" }
        let user: String
        switch credential {
        case .token(let token): user = "    token: \(token)\n"
        case .tokenFile(let file): user = "    tokenFile: \(file)\n"
        case .clientCertificate(inline: true):
            user = "    client-certificate-data: \(Data(pki.clientCertificatePEM).base64EncodedString())\n"
                + "    client-key-data: \(Data(pki.clientKeyPEM).base64EncodedString())\n"
        case .clientCertificate(inline: false):
            user = "    client-certificate: \(pki.clientCertificatePath)\n    client-key: \(pki.clientKeyPath)\n"
        case .none: user = "    username: nobody\n"
        }
        let text = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: double
              cluster:
            \(cluster)contexts:
            - name: double
              context:
                cluster: double
                user: multus
                namespace: default
            current-context: double
            users:
            - name: multus
              user:
            \(user)
            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
