/// Resource name → the device IDs allocated to one pod, in allocation order.
/// Networks take IDs in annotation order: two NADs on one resource get the
/// first and the second ID. (No sorting: upstream PR #1540.)
package struct ResourceMap: Sendable, Equatable {
    /// Resource names in the order they were first seen, with their IDs.
    package private(set) var resources: [(name: String, deviceIDs: [String])] = []
    private var consumed: [String: Int] = [:]

    package init() {}

    package init(_ entries: [(String, [String])]) {
        for (name, ids) in entries { append(resource: name, deviceIDs: ids) }
    }

    /// Adds IDs after those already known for `resource`.
    package mutating func append(resource: String, deviceIDs: [String]) {
        if let index = resources.firstIndex(where: { $0.name == resource }) {
            resources[index].deviceIDs += deviceIDs
        } else {
            resources.append((resource, deviceIDs))
        }
    }

    package func deviceIDs(of resource: String) -> [String] {
        resources.first { $0.name == resource }?.deviceIDs ?? []
    }

    /// The next unused ID of `resource`, or nil when all are taken (or none exist).
    package mutating func take(_ resource: String) -> String? {
        let ids = deviceIDs(of: resource)
        let next = consumed[resource, default: 0]
        guard next < ids.count else { return nil }
        consumed[resource] = next + 1
        return ids[next]
    }

    package var isEmpty: Bool { resources.allSatisfy(\.deviceIDs.isEmpty) }

    package static func == (lhs: ResourceMap, rhs: ResourceMap) -> Bool {
        lhs.resources.map(\.name) == rhs.resources.map(\.name)
            && lhs.resources.map(\.deviceIDs) == rhs.resources.map(\.deviceIDs) && lhs.consumed == rhs.consumed
    }
}

extension ResourceMap: CustomStringConvertible {
    package var description: String {
        "{" + resources.map { "\($0.name): [\($0.deviceIDs.joined(separator: ", "))]" }.joined(separator: "; ") + "}"
    }
}
