import CNISpec
import SystemSupport
import YAML

/// A kubeconfig file, read the way clientcmd reads it for one context:
/// `current-context` → `context.cluster` + `context.user`. Relative paths are
/// resolved against the kubeconfig's folder. A `tokenFile` is read at load
/// time, and loading happens once per invocation, so a rotated token is
/// always picked up.
package enum Kubeconfig {
    /// Loads the kubeconfig at `path`. `context` overrides `current-context`.
    package static func load(path: String, context: String? = nil) throws(KubeError) -> KubeClientConfig {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.contents(of: path, limit: 16 << 20)
        } catch {
            throw .configuration(error.isNotFound
                ? "kubeconfig \(path) does not exist" : "kubeconfig \(path) cannot be read: \(error.reason)")
        }
        return try parse(String(decoding: bytes, as: UTF8.self), path: path, context: context)
    }

    /// Parses kubeconfig text; `path` names it in errors and anchors relative paths.
    package static func parse(_ text: String, path: String, context: String? = nil) throws(KubeError) -> KubeClientConfig {
        let composed: JSONValue?
        do {
            composed = try YAML.document(Array(text.utf8))
        } catch {
            // The error names the line and column, never the text there (it may hold a token).
            throw .configuration("kubeconfig \(path) is not valid YAML (\(error))")
        }
        guard let root = composed, !root.isNull else { throw .configuration("kubeconfig \(path) is empty") }
        guard root.objectValue != nil else { throw .configuration("kubeconfig \(path) is not a YAML mapping") }
        let reader = Reader(path: path, baseDirectory: Paths.directory(of: path))
        return try reader.clientConfig(root: root, context: context)
    }
}

extension JSONValue {
    /// A scalar as the string field of a Go struct reads it: sigs.k8s.io/yaml
    /// turns `token: 12345` or `name: yes` into the text of the typed value.
    fileprivate var text: String? {
        switch self {
        case .string(let s): s
        case .number(let n): n
        case .bool(let b): b ? "true" : "false"
        case .null, .array, .object: nil
        }
    }

    fileprivate var flag: Bool? {
        switch self {
        case .bool(let b): b
        case .string("true"): true
        case .string("false"): false
        default: nil
        }
    }
}

/// The walk from `current-context` to a `KubeClientConfig`; every error names
/// the file and the field, never a secret value.
private struct Reader {
    var path: String
    var baseDirectory: String

    func fail(_ message: String) -> KubeError { .configuration("kubeconfig \(path): \(message)") }

    func clientConfig(root: JSONValue, context requested: String?) throws(KubeError) -> KubeClientConfig {
        let contextName: String
        if let requested, !requested.isEmpty {
            contextName = requested
        } else if let current = root["current-context"]?.text, !current.isEmpty {
            contextName = current
        } else {
            throw fail("current-context is not set")
        }
        guard let context = named(root["contexts"], contextName)?["context"] else {
            throw fail("context \"\(contextName)\" (current-context) is not in contexts")
        }
        guard let clusterName = context["cluster"]?.text, !clusterName.isEmpty else {
            throw fail("contexts[\"\(contextName)\"].context.cluster is not set")
        }
        guard let cluster = named(root["clusters"], clusterName)?["cluster"] else {
            throw fail("cluster \"\(clusterName)\" (of context \"\(contextName)\") is not in clusters")
        }
        let userName = context["user"]?.text ?? ""
        let user: JSONValue?
        if userName.isEmpty {
            user = nil
        } else {
            guard let found = named(root["users"], userName)?["user"] else {
                throw fail("user \"\(userName)\" (of context \"\(contextName)\") is not in users")
            }
            user = found
        }

        var config = KubeClientConfig(server: "", source: "kubeconfig \(path)")
        try readCluster(cluster, name: clusterName, into: &config)
        if let user { try readUser(user, name: userName, into: &config) }
        return config
    }

    private func readCluster(_ cluster: JSONValue, name: String, into config: inout KubeClientConfig) throws(KubeError) {
        let field = "clusters[\"\(name)\"].cluster"
        guard let server = cluster["server"]?.text, !server.isEmpty else { throw fail("\(field).server is not set") }
        let url = try ServerURL(parsing: server, source: "kubeconfig \(path): \(field).server")
        config.server = url.string()
        config.insecureSkipTLSVerify = cluster["insecure-skip-tls-verify"]?.flag ?? false
        if let name = cluster["tls-server-name"]?.text, !name.isEmpty { config.tlsServerName = name }
        config.certificateAuthorityPEM = try bytes(
            of: cluster, dataKey: "certificate-authority-data", fileKey: "certificate-authority", field: field)
        if config.insecureSkipTLSVerify && config.certificateAuthorityPEM != nil {
            // client-go refuses this combination too.
            throw fail("\(field) sets both insecure-skip-tls-verify and a certificate authority")
        }
    }

    private func readUser(_ user: JSONValue, name: String, into config: inout KubeClientConfig) throws(KubeError) {
        let field = "users[\"\(name)\"].user"
        config.clientCertificatePEM = try bytes(
            of: user, dataKey: "client-certificate-data", fileKey: "client-certificate", field: field)
        config.clientKeyPEM = try bytes(of: user, dataKey: "client-key-data", fileKey: "client-key", field: field)
        if (config.clientCertificatePEM == nil) != (config.clientKeyPEM == nil) {
            throw fail("\(field) needs both a client certificate and a client key")
        }

        let inlineToken = user["token"]?.text.flatMap { $0.isEmpty ? nil : $0 }
        if let tokenFile = user["tokenFile"]?.text, !tokenFile.isEmpty {
            // As client-go: the file wins over an inline token, which only stands in
            // when the file cannot be read.
            let resolved = Paths.resolve(tokenFile, against: baseDirectory)
            switch readFile(resolved) {
            case .success(let contents) where !String(decoding: contents, as: UTF8.self).trimmingSpace.isEmpty:
                config.bearerToken = String(decoding: contents, as: UTF8.self).trimmingSpace
            case .success:
                guard let inlineToken else { throw fail("\(field).tokenFile \(resolved) is empty") }
                config.bearerToken = inlineToken
            case .failure(let failure):
                guard let inlineToken else { throw fail("\(field).tokenFile \(resolved) cannot be read: \(failure.reason)") }
                config.bearerToken = inlineToken
            }
        } else {
            config.bearerToken = inlineToken
        }

        if config.bearerToken == nil && config.clientCertificatePEM == nil {
            if user["exec"] != nil { throw fail("\(field).exec: credential plugins are not supported") }
            if user["auth-provider"] != nil { throw fail("\(field).auth-provider is not supported") }
        }
    }

    /// The `-data` form (base64) wins over the file form, as in clientcmd.
    private func bytes(of node: JSONValue, dataKey: String, fileKey: String, field: String) throws(KubeError) -> [UInt8]? {
        if let data = node[dataKey]?.text, !data.isEmpty {
            guard let decoded = Base64.decode(data), !decoded.isEmpty else {
                throw fail("\(field).\(dataKey) is not valid base64")
            }
            return decoded
        }
        guard let file = node[fileKey]?.text, !file.isEmpty else { return nil }
        let resolved = Paths.resolve(file, against: baseDirectory)
        switch readFile(resolved) {
        case .success(let contents) where !contents.isEmpty: return contents
        case .success: throw fail("\(field).\(fileKey) \(resolved) is empty")
        case .failure(let failure): throw fail("\(field).\(fileKey) \(resolved) cannot be read: \(failure.reason)")
        }
    }

    private func named(_ list: JSONValue?, _ name: String) -> JSONValue? {
        guard let entries = list?.arrayValue else { return nil }
        return entries.first { $0["name"]?.text == name }
    }

    private func readFile(_ path: String) -> Result<[UInt8], SystemError> {
        do {
            return .success(try FileSystem.contents(of: path, limit: 16 << 20))
        } catch {
            return .failure(error)
        }
    }
}
