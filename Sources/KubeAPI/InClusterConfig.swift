import CNISpec
import SystemSupport
extension KubeClientConfig {
    /// Where kubelet mounts the service account of a pod.
    package static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The pod's own service account, as client-go's `rest.InClusterConfig`:
    /// `KUBERNETES_SERVICE_HOST`/`_PORT`, `<dir>/token` and `<dir>/ca.crt`.
    /// The token file is read now, so a rotated token is picked up by the next
    /// invocation. A missing `ca.crt` falls back to the system trust store, as
    /// client-go does.
    ///
    /// - Parameters:
    ///   - environment: the variables to read; nil → the process environment.
    ///   - serviceAccountDirectory: injectable for tests.
    package static func inCluster(
        environment: [String: String]? = nil,
        serviceAccountDirectory: String = KubeClientConfig.serviceAccountDirectory
    ) throws(KubeError) -> KubeClientConfig {
        func variable(_ name: String) -> String? {
            let value = (environment ?? ProcessEnvironment.current().values)[name]
            return value.flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let host = variable("KUBERNETES_SERVICE_HOST"), let port = variable("KUBERNETES_SERVICE_PORT") else {
            throw .configuration(
                "in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined (no kubeconfig given)")
        }
        // net.JoinHostPort: an IPv6 literal needs brackets.
        let authority = host.utf8.contains(0x3A) && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let url = try ServerURL(parsing: "https://\(authority)", source: "in-cluster KUBERNETES_SERVICE_HOST/PORT")

        let tokenPath = Paths.resolve("token", against: serviceAccountDirectory)
        let token: String
        do {
            token = String(decoding: try FileSystem.contents(of: tokenPath, limit: 1 << 20), as: UTF8.self).trimmingSpace
        } catch {
            throw .configuration(error.isNotFound
                ? "in-cluster: service account token \(tokenPath) does not exist"
                : "in-cluster: service account token \(tokenPath) cannot be read: \(error.reason)")
        }
        guard !token.isEmpty else { throw .configuration("in-cluster: service account token \(tokenPath) is empty") }

        let caPath = Paths.resolve("ca.crt", against: serviceAccountDirectory)
        let ca = try? FileSystem.contents(of: caPath, limit: 16 << 20)
        return KubeClientConfig(
            server: url.string(),
            certificateAuthorityPEM: ca.flatMap { $0.isEmpty ? nil : $0 },
            bearerToken: token,
            source: "in-cluster service account \(serviceAccountDirectory)"
        )
    }

    /// A kubeconfig when a path is given, else the in-cluster service account.
    package static func load(kubeconfigPath: String?) throws(KubeError) -> KubeClientConfig {
        if let kubeconfigPath, !kubeconfigPath.isEmpty { return try Kubeconfig.load(path: kubeconfigPath) }
        return try inCluster()
    }
}
