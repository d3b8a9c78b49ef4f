import KubeAPI

/// The devices allocated for one ResourceClaim, wherever that was read from
/// (the ResourceClaim's status, kubelet's DRA checkpoint, pod-resources).
package struct ClaimAllocation: Sendable, Equatable {
    package struct Device: Sendable, Hashable {
        package var driver: String
        package var pool: String
        package var device: String
        package init(driver: String, pool: String, device: String) {
            self.driver = driver
            self.pool = pool
            self.device = device
        }
    }

    package var claim: ObjectKey
    /// In allocation order.
    package var devices: [Device]

    package init(claim: ObjectKey, devices: [Device]) {
        self.claim = claim
        self.devices = devices
    }

    package enum Source: String, Sendable {
        case podResources = "kubelet pod-resources"
        case draCheckpoint = "kubelet DRA checkpoint"
        case api = "ResourceClaim"
    }
}
