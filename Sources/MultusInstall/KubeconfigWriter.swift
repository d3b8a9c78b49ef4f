import CNISpec
import Delegation
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
public struct KubeconfigWriter: Sendable {
    public static let kubeconfigName = "multus.kubeconfig"
    public static let tokenName = "token"

    /// The host's CNI config folder as this container sees it.
    public var cniConfDir: String
    /// Where the host finds the kubeconfig; the token is its sibling.
    public var kubeconfigFileHost: String
    public var serviceAccountDir: String
    public var apiServer: String
    public var skipTLSVerify: Bool

    public init(cniConfDir: String, kubeconfigFileHost: String, serviceAccountDir: String,
                apiServer: String, skipTLSVerify: Bool) {
        self.cniConfDir = cniConfDir
        self.kubeconfigFileHost = kubeconfigFileHost
        self.serviceAccountDir = serviceAccountDir
        self.apiServer = apiServer
        self.skipTLSVerify = skipTLSVerify
    }

    public init(options: InstallOptions, apiServer: String) {
        self.init(cniConfDir: options.cniConfDir, kubeconfigFileHost: options.multusKubeconfigFileHost,
                  serviceAccountDir: options.serviceAccountDir, apiServer: apiServer,
                  skipTLSVerify: options.skipTLSVerify)
    }

    public var multusDir: String { FileIO.join(cniConfDir, "multus.d") }
    public var kubeconfigPath: String { FileIO.join(multusDir, Self.kubeconfigName) }
    public var tokenPath: String { FileIO.join(multusDir, Self.tokenName) }
    /// The token copy as the plugin on the host opens it.
    public var tokenPathHost: String {
        FileIO.join(FileIO.directory(of: kubeconfigFileHost), Self.tokenName)
    }
    public var serviceAccountToken: String { FileIO.join(serviceAccountDir, "token") }
    public var serviceAccountCA: String { FileIO.join(serviceAccountDir, "ca.crt") }

    /// The kubeconfig text. Strings are written as JSON strings, which YAML reads as they are.
    public static func render(server: String, caData: [UInt8]?, skipTLSVerify: Bool, tokenFile: String) -> String {
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
    public func sync(into written: inout WrittenFiles) throws(InstallError) -> [String] {
        let readToken: [UInt8]?
        do { readToken = try FileIO.read(serviceAccountToken) } catch { throw .serviceAccount(error.msg) }
        guard let token = readToken, !token.isEmpty else {
            throw .serviceAccount("no service account token at \(serviceAccountToken) (is automountServiceAccountToken off?)")
        }
        var ca: [UInt8]? = nil
        if !skipTLSVerify {
            do { ca = try FileIO.read(serviceAccountCA) } catch { throw .serviceAccount(error.msg) }
            guard ca != nil else {
                throw .serviceAccount("no service account CA at \(serviceAccountCA); use --skip-tls-verify to go without")
            }
        }
        let kubeconfig = Array(Self.render(server: apiServer, caData: ca, skipTLSVerify: skipTLSVerify,
                                           tokenFile: tokenPathHost).utf8)
        do { try FileIO.makeDirectories(multusDir, mode: 0o755) } catch { throw InstallError.from(error) }
        var wrote: [String] = []
        // The token first: a new kubeconfig must never point at a token that is not there yet.
        for (path, bytes) in [(tokenPath, token), (kubeconfigPath, kubeconfig)] {
            let current: [UInt8]?
            do { current = try FileIO.read(path) } catch { throw InstallError.from(error) }
            if current != bytes {
                do { try FileIO.writeAtomically(path, bytes, mode: 0o600) } catch { throw InstallError.from(error) }
                wrote.append(path)
            }
            written.record(path, bytes)
        }
        return wrote
    }
}
