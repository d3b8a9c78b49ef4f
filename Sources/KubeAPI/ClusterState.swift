import CNISpec

/// What the meta-plugin reads from and writes to the cluster. Synchronous: the
/// CNI flow runs on one plain thread. Reads and writes that do not depend on
/// each other come as batches, which the API server implementation sends
/// together on its one connection; every batch answers one result per item,
/// in order.
package protocol ClusterState: Sendable {
    /// nil when the pod does not exist.
    func pod(_ key: ObjectKey) throws(KubeError) -> Pod?
    /// nil for a NAD that does not exist.
    func networkAttachmentDefinitions(_ keys: [ObjectKey]) -> [Result<NetworkAttachmentDefinition?, KubeError>]
    /// nil for a claim that does not exist (or a cluster without resource.k8s.io).
    func resourceClaims(_ keys: [ObjectKey]) -> [Result<ResourceClaim?, KubeError>]
    /// The slices of each driver on one node (one LIST with field selectors per driver).
    func resourceSlices(nodeName: String, drivers: [String]) -> [Result<[ResourceSlice], KubeError>]
    /// The writes of one ADD or DEL. A pod that no longer exists fails its
    /// network-status write with `.status(404, …)`.
    func write(_ writes: [ClusterWrite]) -> [Result<Void, KubeError>]
    /// Releases connections; called once at the end of an invocation.
    func shutdown()
}

/// One write to the cluster.
package enum ClusterWrite: Sendable, Equatable {
    /// The `k8s.v1.cni.cncf.io/network-status` annotation of a pod (pods/status).
    case networkStatus(pod: ObjectKey, value: String)
    /// A core/v1 Event about a pod; best effort.
    case event(PodEvent)
    /// Network data in a ResourceClaim's `status.devices[]` (resourceclaims/status),
    /// or its release; best effort (403 where RBAC or the cluster does not allow it).
    case claimDeviceStatus(ClaimDeviceStatus)
}

extension ClusterState {
    package func networkAttachmentDefinition(_ key: ObjectKey) throws(KubeError) -> NetworkAttachmentDefinition? {
        try networkAttachmentDefinitions([key])[0].get()
    }
}
