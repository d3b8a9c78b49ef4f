import CNISpec
import KubeAPI
import NetworkStatus

extension Multus {
    /// Writes network-status once, with the AddedInterface events sent alongside
    /// (not after), so the ADD waits one round trip. A pod deleted meanwhile is
    /// not an error; any other failed write is.
    func publish(_ plan: [Attachment], _ results: [JSONValue], for pod: Pod, _ key: ObjectKey) throws(CNIError) {
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
        // The events go with the status write (one round trip), not after it.
        let outcomes = cluster.write([.networkStatus(pod: key, value: value)] + events.map(ClusterWrite.event))
        for (event, outcome) in zip(events, outcomes.dropFirst()) {
            if case .failure(let error) = outcome { logger.info("event \(event.reason) on \(event.pod) not posted: \(error)") }
        }
        if case .failure(let error) = outcomes[0] {
            if error.isNotFound {
                logger.info("\(context("network-status")): pod \(key) is gone; network-status not written")
                return
            }
            throw error.asCNIError(context: "\(context("network-status")): writing network-status of pod \(key)")
        }
    }

    /// Events are best effort: a failure is logged, never fatal.
    func post(_ event: PodEvent) {
        guard let cluster else { return }
        if case .failure(let error) = cluster.write([.event(event)])[0] {
            logger.info("event \(event.reason) on \(event.pod) not posted: \(error)")
        }
    }
}
