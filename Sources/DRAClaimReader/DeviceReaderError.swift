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
    /// An extended resource's request mapping names a request the claim allocated no device for.
    case extendedRequestNotAllocated(claim: ObjectKey, request: String, resource: String)
    /// A device allocated for an extended resource cannot serve the NADs on it.
    case extendedDevice(claim: ObjectKey, device: String, request: String, resource: String, problem: ExtendedDeviceProblem)

    package enum ExtendedDeviceProblem: Sendable, Equatable {
        case notInSlice(node: String)
        case noDeviceID
        case noResourceName
        /// The device's `k8s.cni.cncf.io/resourceName`, which is not the mapping's.
        case resourceName(String)
    }

    package var description: String {
        switch self {
        case .corruptCheckpoint(let path, let reason): "kubelet checkpoint \(path) is unusable: \(reason)"
        case .podResources(let socket, let reason): "kubelet pod-resources \(socket): \(reason)"
        case .claimNotFound(let key): "ResourceClaim \(key) of the pod does not exist"
        case .claimNotAllocated(let key): "claim \(key) has no device allocation"
        case .api(let context, let error): "\(context): \(error)"
        case .extendedRequestNotAllocated(let claim, let request, let resource):
            "claim \(claim) has no device for request \(request) of extended resource \(resource)"
        case .extendedDevice(let claim, let device, let request, let resource, let problem):
            switch problem {
            case .notInSlice(let node):
                "claim \(claim): device \(device) (request \(request), extended resource \(resource)) is in no ResourceSlice of node \(node)"
            case .noDeviceID:
                "claim \(claim): device \(device) (request \(request), extended resource \(resource)) has no \(DRAResolver.deviceIDAttribute) attribute"
            case .noResourceName:
                "claim \(claim): device \(device) has no \(DRAResolver.resourceNameAttribute) attribute, but the extended resource mapping of request \(request) is \"\(resource)\" (it must equal the NAD's k8s.v1.cni.cncf.io/resourceName)"
            case .resourceName(let found):
                "claim \(claim): device \(device) has \(DRAResolver.resourceNameAttribute) \"\(found)\", but the extended resource mapping of request \(request) is \"\(resource)\""
            }
        }
    }
}
