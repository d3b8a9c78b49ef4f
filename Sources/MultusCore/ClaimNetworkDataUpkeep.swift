import CNISpec
import Delegation
import KubeAPI
import NetworkStatus

/// The network data (KEP-4817) of attachments whose device came from a
/// ResourceClaim: written into the claim's `status.devices[]` after ADD,
/// released on DEL. Best effort throughout: a refusal (403: RBAC, or the
/// feature is off) is logged once per command and never fails it.
extension Invocation {
    /// This sandbox's field manager: an older sandbox of the pod keeps its own.
    var claimFieldManager: String { ClaimDeviceStatus.fieldManager(containerID: env.containerID) }

    /// One write per claim (in plan order) with the network data of each of
    /// its devices, from the delegates' final results.
    func claimNetworkData(_ plan: [Attachment], _ results: [JSONValue]) -> [ClaimDeviceStatus] {
        var writes: [ClaimDeviceStatus] = []
        for (attachment, result) in zip(plan, results) {
            guard let claim = attachment.device?.claim else { continue }
            let data: ClaimDeviceStatus.NetworkData
            do {
                data = try ClaimNetworkData.networkData(result: result, resultVersion: attachment.network.cniVersion,
                                                        ifName: attachment.ifName)
            } catch {
                logger.info("\(context(attachment.statusName)): no network data for claim \(claim.namespace)/\(claim.name): \(error.msg)")
                continue
            }
            let entry = ClaimDeviceStatus.Entry(device: claim.key, networkData: data)
            if let index = writes.firstIndex(where: { $0.claim == claim.claimKey }) {
                writes[index].entries.append(entry)
            } else {
                writes.append(ClaimDeviceStatus(claim: claim.claimKey, fieldManager: claimFieldManager,
                                                apiVersion: claim.apiVersion, entries: [entry]))
            }
        }
        return writes
    }

    /// Writes that release the network data of these attachments' claim devices, one per claim.
    func claimReleases(_ attachments: [Attachment]) -> [ClaimDeviceStatus] {
        var writes: [ClaimDeviceStatus] = []
        for claim in attachments.compactMap(\.device?.claim) {
            if let index = writes.firstIndex(where: { $0.claim == claim.claimKey }) {
                if !writes[index].released.contains(claim.key) { writes[index].released.append(claim.key) }
            } else {
                writes.append(ClaimDeviceStatus(claim: claim.claimKey, fieldManager: claimFieldManager,
                                                apiVersion: claim.apiVersion, entries: [], released: [claim.key]))
            }
        }
        return writes
    }

    /// After a teardown (DEL, GC): releases the claim data of its attachments,
    /// except for a claim some attachment of which could not be deleted: that
    /// one keeps its data until a later DEL frees it.
    func releaseClaims(of attachments: [Attachment], after outcome: Teardown.Outcome) {
        let kept = Set(outcome.failed.compactMap(\.device?.claim?.claimKey))
        release(claimReleases(attachments).filter { !kept.contains($0.claim) })
    }

    /// Releases, in one round, what these writes wrote (or what a DEL tore down).
    func release(_ releases: [ClaimDeviceStatus]) {
        guard let cluster, !releases.isEmpty else { return }
        logClaimWrites(Array(zip(releases, cluster.write(releases.map(ClusterWrite.claimDeviceStatus)))), released: true)
    }

    /// One log line for every claim write that failed.
    func logClaimWrites(_ outcomes: [(ClaimDeviceStatus, Result<Void, KubeError>)], released: Bool) {
        let failed = outcomes.compactMap { status, result -> String? in
            guard case .failure(let error) = result else { return nil }
            return "\(status.claim) (\(error))"
        }
        guard !failed.isEmpty else { return }
        let what = released ? "network data not released from ResourceClaim" : "network data not written to ResourceClaim"
        logger.info("\(context("claims")): \(what) \(failed.joined(separator: ", ")); the pod's networks are not affected")
    }
}

extension CachedDevice.ClaimDevice {
    var claimKey: ObjectKey { ObjectKey(namespace: namespace, name: name) }
    var key: AllocatedDevice { AllocatedDevice(driver: driver, pool: pool, device: device, shareID: shareID) }
}
