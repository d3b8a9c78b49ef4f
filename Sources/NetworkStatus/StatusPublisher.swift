import CNISpec
import KubeAPI

/// What one attachment contributes to network-status and the pod's events.
package struct AttachmentOutcome: Sendable {
    package var network: String
    package var ifName: String
    package var result: JSONValue
    package var resultVersion: CNIVersion
    package var isDefault: Bool
    package var deviceInfo: JSONValue?

    package init(network: String, ifName: String, result: JSONValue, resultVersion: CNIVersion, isDefault: Bool,
                 deviceInfo: JSONValue? = nil) {
        self.network = network
        self.ifName = ifName
        self.result = result
        self.resultVersion = resultVersion
        self.isDefault = isDefault
        self.deviceInfo = deviceInfo
    }
}

/// Writes network-status once, with the claims' network data and the
/// `AddedInterface` events sent in the same round (not after), so the ADD
/// waits one round trip.
package struct StatusPublisher: Sendable {
    package let cluster: any ClusterState

    package init(cluster: any ClusterState) { self.cluster = cluster }

    package enum Outcome: Sendable, Equatable {
        case written
        /// The pod was deleted meanwhile: not an error.
        case podGone
    }

    /// The annotation value and the events, without writing anything (a
    /// result that cannot be read fails here, before any effect).
    package static func prepare(_ outcomes: [AttachmentOutcome], pod: ObjectKey, podUID: String)
        throws(CNIError) -> (value: String, events: [PodEvent]) {
        var entries: [JSONValue] = []
        var events: [PodEvent] = []
        for o in outcomes {
            entries += try NetworkStatusBuilder.entries(network: o.network, ifName: o.ifName, result: o.result,
                                                        resultVersion: o.resultVersion, isDefault: o.isDefault,
                                                        deviceInfo: o.deviceInfo)
            let addresses = try CNIResult(json: o.result, defaultVersion: o.resultVersion).ips.map(\.address)
            events.append(PodEvent(pod: pod, podUID: podUID, reason: "AddedInterface",
                                   message: "Add \(o.ifName) [\(addresses.joined(separator: " "))] from \(o.network)"))
        }
        return (NetworkStatusBuilder.annotationValue(entries), events)
    }

    /// What one publishing round did.
    package struct Published: Sendable {
        package var status: Result<Outcome, KubeError>
        /// Events are best effort: their failures come back for the log only.
        package var failedEvents: [(PodEvent, KubeError)] = []
        /// So are the claims' network data: the outcome of each claim's write.
        package var claims: [(ClaimDeviceStatus, Result<Void, KubeError>)] = []
    }

    /// network-status first, then one status write per claim, then the events.
    package func publish(value: String, claims: [ClaimDeviceStatus] = [], events: [PodEvent], to pod: ObjectKey) -> Published {
        let writes = [ClusterWrite.networkStatus(pod: pod, value: value)] + claims.map(ClusterWrite.claimDeviceStatus)
            + events.map(ClusterWrite.event)
        let outcomes = cluster.write(writes)
        var published = Published(status: .success(.written))
        published.claims = Array(zip(claims, outcomes.dropFirst()))
        for (event, outcome) in zip(events, outcomes.dropFirst(1 + claims.count)) {
            if case .failure(let error) = outcome { published.failedEvents.append((event, error)) }
        }
        switch outcomes[0] {
        case .success: break
        case .failure(let error) where error.isNotFound: published.status = .success(.podGone)
        case .failure(let error): published.status = .failure(error)
        }
        return published
    }
}
