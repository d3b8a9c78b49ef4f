import KubeAPI
import SystemSupport

/// Builds one pod's ResourceMap from the node's sources:
///
/// 1. device plugins: kubelet pod-resources `List` when its socket exists, else
///    (or when it fails) the device-plugin checkpoint;
/// 2. DRA: every claim in `pod.status.resourceClaimStatuses`, its devices taken
///    from pod-resources, else kubelet's DRA checkpoint, else the ResourceClaim
///    itself (a GET); then the ResourceSlices' attributes (one LIST per driver);
/// 3. DRA extended resources (`pod.status.extendedResourceClaimStatus`): the
///    devices of each request mapping's request, from kubelet's DRA checkpoint
///    (its RequestNames) else the claim; pod-resources names no requests.
///
/// Device-plugin IDs come first, then DRA devices in claim order, then the
/// extended resources', as Multus merges them. Everything lives under
/// `kubeletRootDir`, so tests never touch the real kubelet.
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

    /// - Parameter resources: the resource names the pod's networks ask for;
    ///   extended resource mappings of other names (a GPU, say) are not
    ///   resolved, so their devices need no CNI attributes. nil: all of them.
    package func build(for pod: Pod, resources: Set<String>? = nil) throws(DeviceReaderError) -> Report {
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

        var extended: DRAResolver.ExtendedClaim?
        if let status = pod.extendedResourceClaimStatus {
            let mappings = status.requestMappings.filter { resources?.contains($0.resourceName) ?? true }
            if !mappings.isEmpty {
                extended = .init(claim: ObjectKey(namespace: key.namespace, name: status.resourceClaimName), mappings: mappings)
            }
        }
        let claims = pod.resourceClaimStatuses.compactMap { status in
            status.resourceClaimName.map { ObjectKey(namespace: key.namespace, name: $0) }
        }.filter { $0 != extended?.claim }
        let all = claims + (extended.map { [$0.claim] } ?? [])
        guard !all.isEmpty else { return report }
        guard let cluster else {
            report.notes.append("the pod has ResourceClaims but no cluster is configured; DRA devices skipped")
            return report
        }

        var known: [ObjectKey: (ClaimAllocation, ClaimAllocation.Source)] = [:]
        for allocation in podResources?.claims ?? [] where claims.contains(allocation.claim) {
            known[allocation.claim] = (allocation, .podResources)
        }
        if all.contains(where: { known[$0] == nil }),
           let checkpoint = try DRACheckpoint.load(kubeletRootDir: kubeletRootDir) {
            for claim in all where known[claim] == nil {
                guard let allocation = checkpoint.allocation(of: claim, podUID: pod.metadata.uid) else { continue }
                // The extended claim's devices must say which request they serve.
                if claim == extended?.claim && !allocation.knowsRequests { continue }
                known[claim] = (allocation, .draCheckpoint)
            }
        }

        let outcome = try DRAResolver(cluster: cluster)
            .resolve(claims: claims, extended: extended, known: known, nodeName: pod.nodeName ?? "")
        for (resource, device) in outcome.entries { report.map.append(resource: resource, devices: [device]) }
        report.claimSources = all.map { ($0, known[$0]?.1 ?? .api) }
        report.claimReads = outcome.claimReads
        report.sliceLists = outcome.sliceLists
        report.notes += outcome.notes
        return report
    }
}
