import CNISpec

/// Why a Kubernetes read or write failed. `status` carries the API server's
/// `Status` body (reason, message, code).
public enum KubeError: Error, Sendable, Equatable, CustomStringConvertible {
    case configuration(String)
    case transport(String)
    case status(code: Int, reason: String, message: String)
    case decoding(String)

    public var isNotFound: Bool { if case .status(404, _, _) = self { true } else { false } }
    public var isConflict: Bool { if case .status(409, _, _) = self { true } else { false } }

    public var description: String {
        switch self {
        case .configuration(let m): "kubernetes client configuration: \(m)"
        case .transport(let m): "kubernetes API unreachable: \(m)"
        case .status(let code, let reason, let message): "kubernetes API error \(code) \(reason): \(message)"
        case .decoding(let m): "kubernetes API response not understood: \(m)"
        }
    }
}

/// What the meta-plugin reads from and writes to the cluster. Two
/// implementations: the API server, and a folder of manifests for local runs.
public protocol ClusterState: Sendable {
    /// nil when the pod does not exist.
    func pod(_ key: ObjectKey) async throws(KubeError) -> Pod?
    /// nil when the NAD does not exist.
    func networkAttachmentDefinition(_ key: ObjectKey) async throws(KubeError) -> NetworkAttachmentDefinition?
    /// Sets the `k8s.v1.cni.cncf.io/network-status` annotation (pods/status).
    /// A pod that no longer exists throws `.status(404, …)`.
    func setNetworkStatus(of pod: ObjectKey, to value: String) async throws(KubeError)
    /// Best effort: failures are the caller's to log, never to fail on.
    func postEvent(_ event: PodEvent) async throws(KubeError)
    func resourceClaim(_ key: ObjectKey) async throws(KubeError) -> ResourceClaim?
    /// Slices of one driver on one node (one LIST with field selectors).
    func resourceSlices(nodeName: String, driver: String) async throws(KubeError) -> [ResourceSlice]
    /// Releases connections; called once at the end of an invocation.
    func shutdown() async
}
