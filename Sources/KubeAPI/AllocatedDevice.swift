/// One device of a ResourceClaim's allocation as resource.k8s.io names it
/// (`status.allocation.devices.results[]`, `status.devices[]`): its driver,
/// pool and device name. The same three identify it in a ResourceSlice.
package struct AllocatedDevice: Sendable, Hashable, CustomStringConvertible {
    package var driver: String
    package var pool: String
    package var device: String

    package init(driver: String, pool: String, device: String) {
        self.driver = driver
        self.pool = pool
        self.device = device
    }

    package var description: String { "\(driver)/\(pool)/\(device)" }
}
