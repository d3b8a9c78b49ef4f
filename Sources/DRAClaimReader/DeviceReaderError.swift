import KubeAPI

/// Why the devices of a pod could not be worked out. Each message names the
/// file, socket or claim it is about.
package enum DeviceReaderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A kubelet checkpoint exists but cannot be used (bad JSON, wrong checksum, …).
    case corruptCheckpoint(path: String, reason: String)
    /// The pod-resources socket answered with an error or not at all.
    case podResources(socket: String, reason: String)
    /// A claim of the pod is not (or no longer) in the API.
    case claimNotFound(ObjectKey)
    /// A claim exists but has no device allocation.
    case claimNotAllocated(ObjectKey)
    /// Reading claims or slices failed.
    case api(context: String, KubeError)

    package var description: String {
        switch self {
        case .corruptCheckpoint(let path, let reason): "kubelet checkpoint \(path) is unusable: \(reason)"
        case .podResources(let socket, let reason): "kubelet pod-resources \(socket): \(reason)"
        case .claimNotFound(let key): "ResourceClaim \(key) of the pod does not exist"
        case .claimNotAllocated(let key): "claim \(key) has no device allocation"
        case .api(let context, let error): "\(context): \(error)"
        }
    }
}
