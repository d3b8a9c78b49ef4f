import CNISpec
import KubeAPI
import NetworkStatus

extension Multus {
    /// Writes network-status once, with the AddedInterface events sent alongside
    /// (not after), so the ADD waits one round trip. A pod deleted meanwhile is
    /// not an error; any other failed write is.
    func publish(_ plan: [Attachment], _ results: [JSONValue], for pod: Pod, _ key: ObjectKey) async throws(CNIError) {
        var entries: [JSONValue] = []
        var events: [PodEvent] = []
        for (attachment, result) in zip(plan, results) {
            let network = attachment.delegate.statusName
            entries += try NetworkStatusBuilder.entries(network: network, ifName: attachment.ifName, result: result,
                                                        resultVersion: attachment.network.cniVersion, isDefault: attachment.isMaster,
                                                        deviceInfo: deviceInfo(of: attachment))
            let addresses = (try? CNIResult(json: result, defaultVersion: attachment.network.cniVersion))?.ips.map(\.address) ?? []
            events.append(PodEvent(pod: key, podUID: pod.metadata.uid, reason: "AddedInterface",
                                   message: "Add \(attachment.ifName) [\(addresses.joined(separator: " "))] from \(network)"))
        }
        guard let cluster else { return }
        let value = NetworkStatusBuilder.annotationValue(entries)
        let outcome: Result<Void, KubeError> = await withTaskGroup(of: Result<Void, KubeError>?.self) { group in
            group.addTask {
                do throws(KubeError) {
                    try await cluster.setNetworkStatus(of: key, to: value)
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            for event in events { group.addTask { await self.post(event); return nil } }
            var status: Result<Void, KubeError> = .success(())
            for await result in group { if let result { status = result } }
            return status
        }
        if case .failure(let error) = outcome {
            if error.isNotFound {
                logger.info("\(context("network-status")): pod \(key) is gone; network-status not written")
                return
            }
            throw error.asCNIError(context: "\(context("network-status")): writing network-status of pod \(key)")
        }
    }

    /// Events are best effort: a failure is logged, never fatal.
    func post(_ event: PodEvent) async {
        guard let cluster else { return }
        do { try await cluster.postEvent(event) } catch {
            logger.info("event \(event.reason) on \(event.pod) not posted: \(error)")
        }
    }
}
