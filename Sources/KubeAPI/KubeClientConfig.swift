/// Everything needed to reach one API server: where, how to trust it, and who
/// we are. Built from a kubeconfig (`Kubeconfig.load`) or from the pod's
/// service account (`KubeClientConfig.inCluster`).
///
/// The bearer token and the client key are secrets: `description` redacts
/// them, and no error message ever contains them.
package struct KubeClientConfig: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// `https://host:port[/prefix]`, without a trailing slash.
    package var server: String
    /// PEM bundle of the CAs to trust; nil → the system trust store.
    package var certificateAuthorityPEM: [UInt8]?
    package var insecureSkipTLSVerify: Bool
    /// SNI name and the name the server certificate must carry, when it
    /// differs from the host in `server`.
    package var tlsServerName: String?
    /// PEM certificate (chain) and key for client-certificate authentication.
    package var clientCertificatePEM: [UInt8]?
    package var clientKeyPEM: [UInt8]?
    package var bearerToken: String?
    /// Where this configuration came from, for messages ("kubeconfig /path", "in-cluster").
    package var source: String

    package init(
        server: String,
        certificateAuthorityPEM: [UInt8]? = nil,
        insecureSkipTLSVerify: Bool = false,
        tlsServerName: String? = nil,
        clientCertificatePEM: [UInt8]? = nil,
        clientKeyPEM: [UInt8]? = nil,
        bearerToken: String? = nil,
        source: String = "explicit configuration"
    ) {
        self.server = server
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.tlsServerName = tlsServerName
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.bearerToken = bearerToken
        self.source = source
    }

    package var description: String {
        var parts = ["server: \(server)", "from: \(source)"]
        if certificateAuthorityPEM != nil { parts.append("custom CA") }
        if insecureSkipTLSVerify { parts.append("insecure-skip-tls-verify") }
        if let tlsServerName { parts.append("tls-server-name: \(tlsServerName)") }
        if clientCertificatePEM != nil { parts.append("client certificate") }
        if bearerToken != nil { parts.append("bearer token [redacted]") }
        return "KubeClientConfig(" + parts.joined(separator: ", ") + ")"
    }

    package var debugDescription: String { description }
}

/// `scheme://host[:port][/prefix]` taken apart, enough to point SNI elsewhere.
struct ServerURL: Equatable {
    var scheme: String
    /// Without brackets for IPv6 literals.
    var host: String
    var port: Int?
    var pathPrefix: String

    /// Accepts `host:port` without a scheme (https assumed, as client-go does).
    init(parsing text: String, source: String) throws(KubeError) {
        var rest = Substring(text)
        let bytes = Array(text.utf8)
        // "://" by bytes: a substring search would bring in the generic searcher.
        if let at = bytes.indices.dropLast(2).first(where: { bytes[$0] == 0x3A && bytes[$0 + 1] == 0x2F && bytes[$0 + 2] == 0x2F }) {
            scheme = String(decoding: bytes[..<at].map(ASCII.lower), as: UTF8.self)
            rest = Substring(String(decoding: bytes[(at + 3)...], as: UTF8.self))
        } else {
            scheme = "https"
        }
        guard scheme == "https" || scheme == "http" else {
            throw .configuration("\(source): server \"\(text)\" must use https or http")
        }
        var authority: Substring
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            var prefix = String(rest[slash...])
            while prefix.hasSuffix("/") { prefix.removeLast() }
            pathPrefix = prefix
        } else {
            authority = rest
            pathPrefix = ""
        }
        if let userInfoEnd = authority.lastIndex(of: "@") { authority = authority[authority.index(after: userInfoEnd)...] }
        let hostPart: Substring
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw .configuration("\(source): server \"\(text)\" has an unterminated IPv6 address")
            }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portPart = after.dropFirst() } else if !after.isEmpty {
                throw .configuration("\(source): server \"\(text)\" is not a valid URL")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        } else {
            hostPart = authority
        }
        guard !hostPart.isEmpty else { throw .configuration("\(source): server \"\(text)\" has no host") }
        host = String(hostPart)
        if let portPart {
            guard let p = Int(portPart), (1...65535).contains(p) else {
                throw .configuration("\(source): server \"\(text)\" has an invalid port")
            }
            port = p
        } else {
            port = nil
        }
    }

    var defaultPort: Int { scheme == "https" ? 443 : 80 }

    /// The URL with `host` replaced (for the SNI override).
    func string(host: String? = nil) -> String {
        let h = host ?? self.host
        let bracketed = h.utf8.contains(0x3A) ? "[\(h)]" : h
        let portText = port.map { ":\($0)" } ?? ""
        return "\(scheme)://\(bracketed)\(portText)\(pathPrefix)"
    }
}
