import KubeAPI

/// Builds one pod's ResourceMap from the node's sources:
///
/// 1. device plugins: kubelet pod-resources `List` when its socket exists, else
///    (or when it fails) the device-plugin checkpoint;
/// 2. DRA: every claim in `pod.status.resourceClaimStatuses`, its devices taken
///    from pod-resources, else kubelet's DRA checkpoint, else the ResourceClaim
///    itself (a GET); then the ResourceSlices' attributes (one LIST per driver).
///
/// Device-plugin IDs come first, then DRA devices in claim order, as Multus
/// merges them. Everything lives under `kubeletRootDir`, so tests never touch
/// the real kubelet.
public struct ResourceMapBuilder: Sendable {
    public static let defaultKubeletRootDir = "/var/lib/kubelet"

    public var kubeletRootDir: String
    /// For claims and slices; nil outside Kubernetes (then DRA is skipped).
    public var cluster: (any ClusterState)?

    public init(kubeletRootDir: String = ResourceMapBuilder.defaultKubeletRootDir, cluster: (any ClusterState)?) {
        self.kubeletRootDir = kubeletRootDir
        self.cluster = cluster
    }

    public var podResourcesSocket: String { kubeletRootDir + "/" + PodResources.relativeSocketPath }

    /// The map, and how it was made (for logs and tests).
    public struct Report: Sendable {
        public var map = ResourceMap()
        /// Where device-plugin IDs came from: "pod-resources", "checkpoint" or "none".
        public var devicePluginSource = "none"
        /// Claims whose devices came from each source.
        public var claimSources: [(claim: ObjectKey, source: ClaimAllocation.Source)] = []
        /// ResourceClaim GETs and ResourceSlice LISTs made.
        public var claimReads = 0
        public var sliceLists = 0
        /// Things skipped on the way, one line each, for the log.
        public var notes: [String] = []
    }

    public func build(for pod: Pod) async throws(DeviceReaderError) -> Report {
        var report = Report()
        let key = ObjectKey(namespace: pod.metadata.namespace, name: pod.metadata.name)

        var podResources: PodResources?
        if LocalFile.isSocket(podResourcesSocket) {
            do {
                podResources = try await PodResources.list(socketPath: podResourcesSocket, pod: key)
                report.devicePluginSource = "pod-resources"
            } catch {
                report.notes.append("\(error); using the device-plugin checkpoint instead")
            }
        }
        if let podResources {
            for (resource, ids) in podResources.devices { report.map.append(resource: resource, deviceIDs: ids) }
        } else if let checkpoint = try DevicePluginCheckpoint.load(kubeletRootDir: kubeletRootDir) {
            report.devicePluginSource = "checkpoint"
            for (resource, ids) in checkpoint.allocations(podUID: pod.metadata.uid) {
                report.map.append(resource: resource, deviceIDs: ids)
            }
        }

        let claims = pod.resourceClaimStatuses.compactMap { status in
            status.resourceClaimName.map { ObjectKey(namespace: key.namespace, name: $0) }
        }
        guard !claims.isEmpty else { return report }
        guard let cluster else {
            report.notes.append("the pod has ResourceClaims but no cluster is configured; DRA devices skipped")
            return report
        }

        var known: [ObjectKey: (ClaimAllocation, ClaimAllocation.Source)] = [:]
        for allocation in podResources?.claims ?? [] where claims.contains(allocation.claim) {
            known[allocation.claim] = (allocation, .podResources)
        }
        if claims.contains(where: { known[$0] == nil }),
           let checkpoint = try DRACheckpoint.load(kubeletRootDir: kubeletRootDir) {
            for claim in claims where known[claim] == nil {
                if let allocation = checkpoint.allocation(of: claim, podUID: pod.metadata.uid) {
                    known[claim] = (allocation, .draCheckpoint)
                }
            }
        }

        let outcome = try await DRAResolver(cluster: cluster)
            .resolve(claims: claims, known: known, nodeName: pod.nodeName ?? "")
        for (resource, id) in outcome.entries { report.map.append(resource: resource, deviceIDs: [id]) }
        report.claimSources = claims.map { ($0, known[$0]?.1 ?? .api) }
        report.claimReads = outcome.claimReads
        report.sliceLists = outcome.sliceLists
        report.notes += outcome.notes
        return report
    }
}
