import KubeAPI

/// Turns a pod's ResourceClaims into resource name → device IDs, as Multus's
/// DRA client does: each claim's allocated devices (driver, pool, device) are
/// looked up in the node's ResourceSlices, whose attributes
/// `k8s.cni.cncf.io/deviceID` and `k8s.cni.cncf.io/resourceName` say which
/// PCI address it is and which NAD resource it serves.
///
/// Allocations already known from kubelet (pod-resources or its DRA
/// checkpoint) are used as they are; only the other claims are read (GET,
/// concurrently). Slices are listed once per driver, with field selectors.
struct DRAResolver: Sendable {
    static let deviceIDAttribute = "k8s.cni.cncf.io/deviceID"
    static let resourceNameAttribute = "k8s.cni.cncf.io/resourceName"

    var cluster: any ClusterState

    struct Outcome: Sendable {
        var entries: [(resource: String, deviceID: String)] = []
        var notes: [String] = []
        var claimReads = 0
        var sliceLists = 0
    }

    /// - Parameters:
    ///   - claims: the pod's claims in `status.resourceClaimStatuses` order.
    ///   - known: allocations kubelet already told us about, by claim.
    func resolve(claims: [ObjectKey], known: [ObjectKey: (ClaimAllocation, ClaimAllocation.Source)], nodeName: String)
        throws(DeviceReaderError) -> Outcome
    {
        var outcome = Outcome()
        let missing = claims.filter { known[$0] == nil }
        let fetched = try readClaims(missing)
        outcome.claimReads = missing.count

        var allocations: [(ClaimAllocation, ClaimAllocation.Source)] = []
        for claim in claims {
            if let entry = known[claim] {
                allocations.append(entry)
            } else if let allocation = fetched[claim] {
                allocations.append((allocation, .api))
            }
        }

        var drivers: [String] = []
        for (allocation, _) in allocations {
            for device in allocation.devices where !drivers.contains(device.driver) { drivers.append(device.driver) }
        }
        let attributes = try readSlices(nodeName: nodeName, drivers: drivers)
        outcome.sliceLists = drivers.count

        for (allocation, source) in allocations {
            for device in allocation.devices {
                let subject = "claim \(allocation.claim) (from \(source.rawValue)): device \(device.driver)/\(device.pool)/\(device.device)"
                guard let found = attributes[device] else {
                    outcome.notes.append("\(subject) is in no ResourceSlice of node \(nodeName); skipped")
                    continue
                }
                guard let id = found[Self.deviceIDAttribute], !id.isEmpty,
                      let resource = found[Self.resourceNameAttribute], !resource.isEmpty else {
                    outcome.notes.append("\(subject) lacks the \(Self.deviceIDAttribute) or \(Self.resourceNameAttribute) attribute; skipped")
                    continue
                }
                outcome.entries.append((resource, id))
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
                guard let devices = claim.allocatedDevices else { throw .claimNotAllocated(key) }
                allocations[key] = ClaimAllocation(claim: key, devices: devices.map {
                    .init(driver: $0.driver, pool: $0.pool, device: $0.device)
                })
            }
        }
        return allocations
    }

    /// One LIST per driver, in one batch; the string attributes of every device.
    private func readSlices(nodeName: String, drivers: [String]) throws(DeviceReaderError)
        -> [ClaimAllocation.Device: [String: String]]
    {
        guard !drivers.isEmpty else { return [:] }
        var attributes: [ClaimAllocation.Device: [String: String]] = [:]
        for (driver, result) in zip(drivers, cluster.resourceSlices(nodeName: nodeName, drivers: drivers)) {
            let slices: [ResourceSlice]
            switch result {
            case .failure(let error):
                throw .api(context: "listing ResourceSlices of driver \(driver) on node \(nodeName)", error)
            case .success(let list): slices = list
            }
            for slice in slices {
                for name in slice.deviceNames {
                    let key = ClaimAllocation.Device(driver: slice.driver, pool: slice.pool, device: name)
                    // One pool may span several slices; the first mention wins.
                    if attributes[key] == nil { attributes[key] = slice.stringAttributes(ofDevice: name) ?? [:] }
                }
            }
        }
        return attributes
    }
}

extension ResourceSlice {
    /// The names of the devices the slice lists.
    var deviceNames: [String] {
        (json["spec"]?["devices"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
    }
}
