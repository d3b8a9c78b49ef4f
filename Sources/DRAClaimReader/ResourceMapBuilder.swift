import KubeAPI
import SystemSupport

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
package struct ResourceMapBuilder: Sendable {
    package static let defaultKubeletRootDir = "/var/lib/kubelet"

    package var kubeletRootDir: String
    /// For claims and slices; nil outside Kubernetes (then DRA is skipped).
    package var cluster: (any ClusterState)?

    package init(kubeletRootDir: String = ResourceMapBuilder.defaultKubeletRootDir, cluster: (any ClusterState)?) {
        self.kubeletRootDir = kubeletRootDir
        self.cluster = cluster
    }

    package var podResourcesSocket: String { kubeletRootDir + "/" + PodResources.relativeSocketPath }

    /// The map, and how it was made (for logs and tests).
    package struct Report: Sendable {
        package var map = ResourceMap()
        /// Where device-plugin IDs came from: "pod-resources", "checkpoint" or "none".
        package var devicePluginSource = "none"
        /// Claims whose devices came from each source.
        package var claimSources: [(claim: ObjectKey, source: ClaimAllocation.Source)] = []
        /// ResourceClaim GETs and ResourceSlice LISTs made.
        package var claimReads = 0
        package var sliceLists = 0
        /// Things skipped on the way, one line each, for the log.
        package var notes: [String] = []
    }

    package func build(for pod: Pod) throws(DeviceReaderError) -> Report {
        var report = Report()
        let key = ObjectKey(namespace: pod.metadata.namespace, name: pod.metadata.name)

        var podResources: PodResources?
        if FileSystem.isSocket(podResourcesSocket) {
            do {
                podResources = try PodResources.list(socketPath: podResourcesSocket, pod: key)
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

        let outcome = try DRAResolver(cluster: cluster)
            .resolve(claims: claims, known: known, nodeName: pod.nodeName ?? "")
        for (resource, id) in outcome.entries { report.map.append(resource: resource, deviceIDs: [id]) }
        report.claimSources = claims.map { ($0, known[$0]?.1 ?? .api) }
        report.claimReads = outcome.claimReads
        report.sliceLists = outcome.sliceLists
        report.notes += outcome.notes
        return report
    }
}
