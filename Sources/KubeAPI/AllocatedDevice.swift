/// One device of a ResourceClaim's allocation as resource.k8s.io names it
/// (`status.allocation.devices.results[]`, `status.devices[]`): its driver,
/// pool and device name, and the share of it when the device allows several
/// allocations at once (DRAConsumableCapacity, Kubernetes 1.34+). Driver,
/// pool and device identify it in a ResourceSlice; with the share they key
/// `status.devices`, so that each share carries network data of its own.
package struct AllocatedDevice: Sendable, Hashable, CustomStringConvertible {
    package var driver: String
    package var pool: String
    package var device: String
    package var shareID: String?

    package init(driver: String, pool: String, device: String, shareID: String? = nil) {
        self.driver = driver
        self.pool = pool
        self.device = device
        self.shareID = shareID
    }

    /// The device as its ResourceSlice lists it, whichever share this is.
    package var sliceDevice: AllocatedDevice { AllocatedDevice(driver: driver, pool: pool, device: device) }

    package var description: String { "\(driver)/\(pool)/\(device)" + (shareID.map { " (share \($0))" } ?? "") }
}
