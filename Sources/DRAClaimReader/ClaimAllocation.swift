import KubeAPI

/// The devices allocated for one ResourceClaim, wherever that was read from
/// (the ResourceClaim's status, kubelet's DRA checkpoint, pod-resources).
public struct ClaimAllocation: Sendable, Equatable {
    public struct Device: Sendable, Hashable {
        public var driver: String
        public var pool: String
        public var device: String
        public init(driver: String, pool: String, device: String) {
            self.driver = driver
            self.pool = pool
            self.device = device
        }
    }

    public var claim: ObjectKey
    /// In allocation order.
    public var devices: [Device]

    public init(claim: ObjectKey, devices: [Device]) {
        self.claim = claim
        self.devices = devices
    }

    public enum Source: String, Sendable {
        case podResources = "kubelet pod-resources"
        case draCheckpoint = "kubelet DRA checkpoint"
        case api = "ResourceClaim"
    }
}
