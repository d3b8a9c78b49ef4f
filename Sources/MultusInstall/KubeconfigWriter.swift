import CNISpec
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// Writes `multus.d/multus.kubeconfig` for the plugin on the host, from this
/// pod's service account.
///
/// Multus embeds the token itself; a bound service-account token expires (an
/// hour by default), so that kubeconfig stops working until the pod restarts.
/// Here the token is copied to `multus.d/token` and the kubeconfig points at it
/// with client-go's `users[].user.tokenFile`: the watch loop rewrites the copy
/// whenever kubelet rotates the token, and the kubeconfig itself only changes
/// when the CA or the server does.
package struct KubeconfigWriter: Sendable {
    package static let kubeconfigName = "multus.kubeconfig"
    package static let tokenName = "token"

    /// The host's CNI config folder as this container sees it.
    package var cniConfDir: String
    /// Where the host finds the kubeconfig; the token is its sibling.
    package var kubeconfigFileHost: String
    package var serviceAccountDir: String
    package var apiServer: String
    package var skipTLSVerify: Bool

    package init(cniConfDir: String, kubeconfigFileHost: String, serviceAccountDir: String,
                apiServer: String, skipTLSVerify: Bool) {
        self.cniConfDir = cniConfDir
        self.kubeconfigFileHost = kubeconfigFileHost
        self.serviceAccountDir = serviceAccountDir
        self.apiServer = apiServer
        self.skipTLSVerify = skipTLSVerify
    }

    package init(options: InstallOptions, apiServer: String) {
        self.init(cniConfDir: options.cniConfDir, kubeconfigFileHost: options.multusKubeconfigFileHost,
                  serviceAccountDir: options.serviceAccountDir, apiServer: apiServer,
                  skipTLSVerify: options.skipTLSVerify)
    }

    package var multusDir: String { Paths.join(cniConfDir, "multus.d") }
    package var kubeconfigPath: String { Paths.join(multusDir, Self.kubeconfigName) }
    package var tokenPath: String { Paths.join(multusDir, Self.tokenName) }
    /// The token copy as the plugin on the host opens it.
    package var tokenPathHost: String {
        Paths.join(Paths.directory(of: kubeconfigFileHost), Self.tokenName)
    }
    package var serviceAccountToken: String { Paths.join(serviceAccountDir, "token") }
    package var serviceAccountCA: String { Paths.join(serviceAccountDir, "ca.crt") }

    /// The kubeconfig text. Strings are written as JSON strings, which YAML reads as they are.
    package static func render(server: String, caData: [UInt8]?, skipTLSVerify: Bool, tokenFile: String) -> String {
        func quoted(_ s: String) -> String { JSONValue.string(s).serialized }
        var tls = ""
        if skipTLSVerify {
            tls = "    insecure-skip-tls-verify: true\n"
        } else if let caData {
            tls = "    certificate-authority-data: \(Base64.encode(caData))\n"
        }
        return """
            # Kubeconfig for the multus-swift CNI plugin, written by `multus-swift install`.
            # The token is read from tokenFile on every use, so token rotation needs no rewrite here.
            apiVersion: v1
            kind: Config
            clusters:
            - name: local
              cluster:
                server: \(quoted(server))
            \(tls)users:
            - name: multus
              user:
                tokenFile: \(quoted(tokenFile))
            contexts:
            - name: multus-context
              context:
                cluster: local
                user: multus
            current-context: multus-context

            """
    }

    /// Brings the token copy and the kubeconfig up to date; returns the paths
    /// it wrote (empty when both already held the right bytes).
    @discardableResult
    package func sync(into written: inout WrittenFiles) throws(InstallError) -> [String] {
        let readToken: [UInt8]?
        do { readToken = try FileSystem.read(serviceAccountToken) } catch { throw .serviceAccount(error.description) }
        guard let token = readToken, !token.isEmpty else {
            throw .serviceAccount("no service account token at \(serviceAccountToken) (is automountServiceAccountToken off?)")
        }
        var ca: [UInt8]? = nil
        if !skipTLSVerify {
            do { ca = try FileSystem.read(serviceAccountCA) } catch { throw .serviceAccount(error.description) }
            guard ca != nil else {
                throw .serviceAccount("no service account CA at \(serviceAccountCA); use --skip-tls-verify to go without")
            }
        }
        let kubeconfig = Array(Self.render(server: apiServer, caData: ca, skipTLSVerify: skipTLSVerify,
                                           tokenFile: tokenPathHost).utf8)
        do { try FileSystem.makeDirectories(multusDir, mode: 0o755) } catch { throw InstallError.from(error) }
        var wrote: [String] = []
        // The token first: a new kubeconfig must never point at a token that is not there yet.
        for (path, bytes) in [(tokenPath, token), (kubeconfigPath, kubeconfig)] {
            let current: [UInt8]?
            do { current = try FileSystem.read(path) } catch { throw InstallError.from(error) }
            if current != bytes {
                do { try FileSystem.writeAtomically(path, bytes, mode: 0o600) } catch { throw InstallError.from(error) }
                wrote.append(path)
            }
            written.record(path, bytes)
        }
        return wrote
    }
}
