import CNIOBoringSSL
import SystemSupport

/// BoringSSL's client context for one API server, through its C API (the
/// NIO wrapper would bring its generic machinery onto the CNI path): trust
/// (the kubeconfig's CA, else the system store), the client certificate, ALPN
/// http/1.1 and TLS 1.2 at least. Built once per invocation, before any
/// connection; configuration errors surface here, before a request is made.
final class TLSContext: @unchecked Sendable {  // SSL_CTX is safe to share once configured
    let context: OpaquePointer
    let verifies: Bool
    /// The one key share of the first ClientHello. BoringSSL would send two
    /// (X25519MLKEM768 and X25519), and the server uses one: the second costs
    /// an X25519 key pair per ADD. API servers built with Go 1.24 or later
    /// (Kubernetes 1.33+) choose the hybrid; older ones answer with a
    /// HelloRetryRequest for X25519, one more round trip and no weaker.
    let keyShares: [UInt16]

    /// Where Go's crypto/x509 looks for the system's CA bundle on Linux, in its order.
    static let systemBundles = [
        "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem",
        "/etc/pki/tls/cacert.pem", "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", "/etc/ssl/cert.pem",
    ]

    init(config: KubeClientConfig) throws(KubeError) {
        guard let context = SSL_CTX_new(TLS_method()) else {
            throw .configuration("\(config.source): cannot create a TLS context")
        }
        self.context = context
        verifies = !config.insecureSkipTLSVerify
        SSL_CTX_set_min_proto_version(context, UInt16(TLS1_2_VERSION))
        _ = SSL_CTX_set_mode(context, UInt32(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
        self.keyShares = [UInt16(SSL_GROUP_X25519_MLKEM768)]
        let alpn: [UInt8] = [8] + Array("http/1.1".utf8)
        _ = alpn.withUnsafeBufferPointer { SSL_CTX_set_alpn_protos(context, $0.baseAddress, $0.count) }

        if verifies {
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
            if let ca = config.certificateAuthorityPEM {
                let certificates = Self.certificates(ca)
                guard !certificates.isEmpty else {
                    throw .configuration("\(config.source): certificate authority is not a valid PEM certificate")
                }
                let store = SSL_CTX_get_cert_store(context)
                for certificate in certificates {
                    X509_STORE_add_cert(store, certificate)
                    X509_free(certificate)
                }
            } else {
                try Self.loadSystemTrust(context, source: config.source)
            }
        } else {
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        }

        if let certificatePEM = config.clientCertificatePEM, let keyPEM = config.clientKeyPEM {
            let chain = Self.certificates(certificatePEM)
            defer { chain.forEach { X509_free($0) } }
            guard let leaf = chain.first, SSL_CTX_use_certificate(context, leaf) == 1 else {
                throw .configuration("\(config.source): client certificate is not a valid PEM certificate")
            }
            for intermediate in chain.dropFirst() { SSL_CTX_add1_chain_cert(context, intermediate) }
            // PEM_read_bio_PrivateKey reads PKCS#8, RSA and EC keys alike.
            let key = keyPEM.withUnsafeBytes { raw -> OpaquePointer? in
                guard let bio = BIO_new_mem_buf(raw.baseAddress, raw.count) else { return nil }
                defer { BIO_free(bio) }
                return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
            }
            ERR_clear_error()
            guard let key else { throw .configuration("\(config.source): client key is not a valid PEM private key") }
            defer { EVP_PKEY_free(key) }
            guard SSL_CTX_use_PrivateKey(context, key) == 1, SSL_CTX_check_private_key(context) == 1 else {
                ERR_clear_error()
                throw .configuration("\(config.source): client key does not match the client certificate")
            }
        }
    }

    deinit { SSL_CTX_free(context) }

    /// Every certificate of a PEM bundle, in order; other blocks are skipped.
    static func certificates(_ pem: [UInt8]) -> [OpaquePointer] {
        pem.withUnsafeBytes { raw -> [OpaquePointer] in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, raw.count) else { return [] }
            defer { BIO_free(bio) }
            var result: [OpaquePointer] = []
            while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) { result.append(certificate) }
            ERR_clear_error()  // the read that ends the loop leaves "no start line" behind
            return result
        }
    }

    private static func loadSystemTrust(_ context: OpaquePointer, source: String) throws(KubeError) {
        for bundle in systemBundles where FileSystem.exists(bundle) {
            if SSL_CTX_load_verify_locations(context, bundle, nil) == 1 { return }
            ERR_clear_error()
        }
        if FileSystem.isDirectory("/etc/ssl/certs"), SSL_CTX_load_verify_locations(context, nil, "/etc/ssl/certs") == 1 {
            return
        }
        ERR_clear_error()
        throw .configuration("\(source): no certificate authority given and no system trust store found")
    }
}
