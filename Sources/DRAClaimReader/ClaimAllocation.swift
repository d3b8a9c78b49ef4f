import KubeAPI

/// The devices allocated for one ResourceClaim, wherever that was read from
/// (the ResourceClaim's status, kubelet's DRA checkpoint, pod-resources).
package struct ClaimAllocation: Sendable, Equatable {
    package var claim: ObjectKey
    /// In allocation order.
    package var devices: [AllocatedDevice]
    /// The claim's device requests each device was allocated for, where the
    /// source says (the claim's results, the checkpoint's RequestNames; not
    /// pod-resources): what maps an extended resource to its devices.
    package var requestNames: [AllocatedDevice: [String]]
    /// The resource.k8s.io version the claim was read in, when it was read.
    package var apiVersion: String?

    package init(claim: ObjectKey, devices: [AllocatedDevice], requestNames: [AllocatedDevice: [String]] = [:], apiVersion: String? = nil) {
        self.claim = claim
        self.devices = devices
        self.requestNames = requestNames
        self.apiVersion = apiVersion
    }

    /// The devices allocated for `request`, in allocation order.
    package func devices(ofRequest request: String) -> [AllocatedDevice] {
        devices.filter { requestNames[$0]?.contains(request) == true }
    }

    /// Whether every device says which requests it serves.
    package var knowsRequests: Bool { devices.allSatisfy { !(requestNames[$0] ?? []).isEmpty } }

    package enum Source: String, Sendable {
        case podResources = "kubelet pod-resources"
        case draCheckpoint = "kubelet DRA checkpoint"
        case api = "ResourceClaim"
    }
}
