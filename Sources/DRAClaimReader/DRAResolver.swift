import KubeAPI

/// Turns a pod's ResourceClaims into resource name → device IDs, as Multus's
/// DRA client does: each claim's allocated devices (driver, pool, device) are
/// looked up in the node's ResourceSlices, whose attributes
/// `k8s.cni.cncf.io/deviceID` and `k8s.cni.cncf.io/resourceName` say which
/// PCI address it is and which NAD resource it serves.
///
/// The extended resource claim (KEP-5004) is mapped by the pod's request
/// mappings instead: the devices of each mapping's request serve the
/// mapping's resource name, and each must say so in its resourceName
/// attribute (as Go Multus master: anything else is an error).
///
/// Allocations already known from kubelet (pod-resources or its DRA
/// checkpoint) are used as they are; only the other claims are read (GET,
/// concurrently). Slices are listed once per driver, with field selectors.
struct DRAResolver: Sendable {
    static let deviceIDAttribute = "k8s.cni.cncf.io/deviceID"
    static let resourceNameAttribute = "k8s.cni.cncf.io/resourceName"

    var cluster: any ClusterState

    struct Outcome: Sendable {
        var entries: [(resource: String, device: ResourceMap.Device)] = []
        var notes: [String] = []
        var claimReads = 0
        var sliceLists = 0
    }

    /// The pod's extended resource claim, with the request mappings to resolve.
    struct ExtendedClaim: Sendable {
        var claim: ObjectKey
        var mappings: [ExtendedResourceClaimStatus.RequestMapping]
    }

    /// A device as its ResourceSlice lists it.
    private struct SliceDevice {
        var attributes: [String: String]
        var apiVersion: String?
    }

    /// - Parameters:
    ///   - claims: the pod's claims in `status.resourceClaimStatuses` order.
    ///   - extended: the extended resource claim, resolved after them (as Go).
    ///   - known: allocations kubelet already told us about, by claim.
    func resolve(claims: [ObjectKey], extended: ExtendedClaim? = nil,
                 known: [ObjectKey: (ClaimAllocation, ClaimAllocation.Source)], nodeName: String)
        throws(DeviceReaderError) -> Outcome
    {
        var outcome = Outcome()
        var all = claims
        if let extended, !all.contains(extended.claim) { all.append(extended.claim) }
        let missing = all.filter { known[$0] == nil }
        let fetched = try readClaims(missing)
        outcome.claimReads = missing.count

        func allocation(_ claim: ObjectKey) -> (ClaimAllocation, ClaimAllocation.Source)? {
            known[claim] ?? fetched[claim].map { ($0, .api) }
        }
        var drivers: [String] = []
        for claim in all {
            for device in allocation(claim)?.0.devices ?? [] where !drivers.contains(device.driver) { drivers.append(device.driver) }
        }
        let slices = try readSlices(nodeName: nodeName, drivers: drivers)
        outcome.sliceLists = drivers.count

        func claimDevice(_ allocation: ClaimAllocation, _ device: AllocatedDevice) -> ResourceMap.ClaimDevice {
            ResourceMap.ClaimDevice(claim: allocation.claim, device: device,
                                    apiVersion: allocation.apiVersion ?? slices[device.sliceDevice]?.apiVersion)
        }

        for claim in claims {
            guard let (allocation, source) = allocation(claim) else { continue }
            for device in allocation.devices {
                let subject = "claim \(allocation.claim) (from \(source.rawValue)): device \(device)"
                guard let found = slices[device.sliceDevice]?.attributes else {
                    outcome.notes.append("\(subject) is in no ResourceSlice of node \(nodeName); skipped")
                    continue
                }
                guard let id = found[Self.deviceIDAttribute], !id.isEmpty,
                      let resource = found[Self.resourceNameAttribute], !resource.isEmpty else {
                    outcome.notes.append("\(subject) lacks the \(Self.deviceIDAttribute) or \(Self.resourceNameAttribute) attribute; skipped")
                    continue
                }
                outcome.entries.append((resource, ResourceMap.Device(id: id, claim: claimDevice(allocation, device))))
            }
        }

        if let extended, let (allocation, _) = allocation(extended.claim) {
            for mapping in extended.mappings {
                let devices = allocation.devices(ofRequest: mapping.requestName)
                guard !devices.isEmpty else {
                    throw .extendedRequestNotAllocated(claim: extended.claim, request: mapping.requestName,
                                                       resource: mapping.resourceName)
                }
                for device in devices {
                    func failure(_ problem: DeviceReaderError.ExtendedDeviceProblem) -> DeviceReaderError {
                        .extendedDevice(claim: extended.claim, device: "\(device)",
                                        request: mapping.requestName, resource: mapping.resourceName, problem: problem)
                    }
                    guard let found = slices[device.sliceDevice]?.attributes else { throw failure(.notInSlice(node: nodeName)) }
                    guard let id = found[Self.deviceIDAttribute], !id.isEmpty else { throw failure(.noDeviceID) }
                    guard let resource = found[Self.resourceNameAttribute], !resource.isEmpty else {
                        throw failure(.noResourceName)
                    }
                    guard resource == mapping.resourceName else { throw failure(.resourceName(resource)) }
                    outcome.entries.append((resource, ResourceMap.Device(id: id, claim: claimDevice(allocation, device))))
                }
            }
        }
        return outcome
    }

    /// GETs the claims in one batch; a missing or unallocated claim is an error
    /// naming it, reported in the pod's order.
    private func readClaims(_ keys: [ObjectKey]) throws(DeviceReaderError) -> [ObjectKey: ClaimAllocation] {
        guard !keys.isEmpty else { return [:] }
        var allocations: [ObjectKey: ClaimAllocation] = [:]
        for (key, result) in zip(keys, cluster.resourceClaims(keys)) {
            switch result {
            case .failure(let error): throw .api(context: "reading ResourceClaim \(key)", error)
            case .success(nil): throw .claimNotFound(key)
            case .success(let claim?):
                guard let results = claim.allocationResults else { throw .claimNotAllocated(key) }
                var devices: [AllocatedDevice] = []
                var requests: [AllocatedDevice: [String]] = [:]
                for result in results {
                    let device = result.device
                    if requests[device] == nil { devices.append(device) }
                    requests[device, default: []].append(result.request)
                }
                allocations[key] = ClaimAllocation(claim: key, devices: devices, requestNames: requests,
                                                   apiVersion: claim.apiVersion)
            }
        }
        return allocations
    }

    /// One LIST per driver, in one batch; the string attributes of every device.
    private func readSlices(nodeName: String, drivers: [String]) throws(DeviceReaderError)
        -> [AllocatedDevice: SliceDevice]
    {
        guard !drivers.isEmpty else { return [:] }
        var found: [AllocatedDevice: SliceDevice] = [:]
        for (driver, result) in zip(drivers, cluster.resourceSlices(nodeName: nodeName, drivers: drivers)) {
            let slices: [ResourceSlice]
            switch result {
            case .failure(let error):
                throw .api(context: "listing ResourceSlices of driver \(driver) on node \(nodeName)", error)
            case .success(let list): slices = list
            }
            for slice in slices {
                for name in slice.deviceNames {
                    let key = AllocatedDevice(driver: slice.driver, pool: slice.pool, device: name)
                    // One pool may span several slices; the first mention wins.
                    if found[key] == nil {
                        found[key] = SliceDevice(attributes: slice.stringAttributes(ofDevice: name) ?? [:], apiVersion: slice.apiVersion)
                    }
                }
            }
        }
        return found
    }
}

extension ResourceSlice {
    /// The names of the devices the slice lists.
    var deviceNames: [String] {
        (json["spec"]?["devices"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
    }
}
