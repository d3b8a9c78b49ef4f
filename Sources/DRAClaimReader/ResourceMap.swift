import KubeAPI

/// Resource name → the device IDs allocated to one pod, in allocation order.
/// Networks take IDs in annotation order: two NADs on one resource get the
/// first and the second ID. (No sorting: upstream PR #1540.)
package struct ResourceMap: Sendable, Equatable {
    /// One allocated device: its ID for the plugin, and the claim device behind
    /// it when it came from DRA (what the claim's network data is written for).
    package struct Device: Sendable, Equatable {
        package var id: String
        package var claim: ClaimDevice?
        package init(id: String, claim: ClaimDevice? = nil) {
            self.id = id
            self.claim = claim
        }
    }

    /// A device of a ResourceClaim's allocation.
    package struct ClaimDevice: Sendable, Equatable {
        package var claim: ObjectKey
        package var device: AllocatedDevice
        /// The resource.k8s.io version the claim or its slice was served in, when known.
        package var apiVersion: String?
        package init(claim: ObjectKey, device: AllocatedDevice, apiVersion: String? = nil) {
            self.claim = claim
            self.device = device
            self.apiVersion = apiVersion
        }
    }

    /// Resource names in the order they were first seen, with their devices.
    package private(set) var resources: [(name: String, devices: [Device])] = []
    private var consumed: [String: Int] = [:]

    package init() {}

    package init(_ entries: [(String, [String])]) {
        for (name, ids) in entries { append(resource: name, deviceIDs: ids) }
    }

    /// Adds IDs after those already known for `resource`.
    package mutating func append(resource: String, deviceIDs: [String]) {
        append(resource: resource, devices: deviceIDs.map { Device(id: $0) })
    }

    package mutating func append(resource: String, devices: [Device]) {
        if let index = resources.firstIndex(where: { $0.name == resource }) {
            resources[index].devices += devices
        } else {
            resources.append((resource, devices))
        }
    }

    package func devices(of resource: String) -> [Device] {
        resources.first { $0.name == resource }?.devices ?? []
    }

    package func deviceIDs(of resource: String) -> [String] { devices(of: resource).map(\.id) }

    /// The next unused device of `resource`, or nil when all are taken (or none exist).
    package mutating func takeDevice(_ resource: String) -> Device? {
        let devices = devices(of: resource)
        let next = consumed[resource, default: 0]
        guard next < devices.count else { return nil }
        consumed[resource] = next + 1
        return devices[next]
    }

    /// The next unused ID of `resource`.
    package mutating func take(_ resource: String) -> String? { takeDevice(resource)?.id }

    package var isEmpty: Bool { resources.allSatisfy(\.devices.isEmpty) }

    package static func == (lhs: ResourceMap, rhs: ResourceMap) -> Bool {
        lhs.resources.map(\.name) == rhs.resources.map(\.name)
            && lhs.resources.map(\.devices) == rhs.resources.map(\.devices) && lhs.consumed == rhs.consumed
    }
}

extension ResourceMap: CustomStringConvertible {
    package var description: String {
        "{" + resources.map { "\($0.name): [\($0.devices.map(\.id).joined(separator: ", "))]" }.joined(separator: "; ") + "}"
    }
}
