import CNISpec
import KubeAPI
import Synchronization

/// One watched collection, as little of each object as planning reads.
final class ObjectCache: Sendable {
    let resource: String
    private struct State {
        var objects: [ObjectKey: JSONValue] = [:]
        var resourceVersion = ""
        var synced = false
    }
    private let state = Mutex(State())

    init(resource: String) { self.resource = resource }

    func object(_ key: ObjectKey) -> JSONValue? { state.withLock { $0.objects[key] } }
    var count: Int { state.withLock { $0.objects.count } }
    var isSynced: Bool { state.withLock { $0.synced } }
    var resourceVersion: String { state.withLock { $0.resourceVersion } }

    /// A LIST's answer replaces everything.
    func replace(_ items: [JSONValue], resourceVersion: String) {
        var objects: [ObjectKey: JSONValue] = [:]
        objects.reserveCapacity(items.count)
        for item in items { if let key = Self.key(item) { objects[key] = item } }
        state.withLock {
            $0.objects = objects
            $0.resourceVersion = resourceVersion
            $0.synced = true
        }
    }

    func upsert(_ object: JSONValue, resourceVersion: String?) {
        guard let key = Self.key(object) else { return }
        state.withLock {
            $0.objects[key] = object
            if let resourceVersion { $0.resourceVersion = resourceVersion }
        }
    }

    func remove(_ object: JSONValue, resourceVersion: String?) {
        guard let key = Self.key(object) else { return }
        state.withLock {
            $0.objects[key] = nil
            if let resourceVersion { $0.resourceVersion = resourceVersion }
        }
    }

    static func key(_ object: JSONValue) -> ObjectKey? {
        guard let name = object["metadata"]?["name"]?.stringValue else { return nil }
        return ObjectKey(namespace: object["metadata"]?["namespace"]?.stringValue ?? "", name: name)
    }
}

/// What the daemon keeps of pods and NADs: the fields planning reads (the
/// pod's identity, its three annotations that matter, node, claim statuses;
/// the NAD's config and resource name), not whole objects with their specs,
/// managed fields and status.
enum PlanningFields {
    static let podAnnotations: Set<String> = [
        WellKnownAnnotation.networks, WellKnownAnnotation.defaultNetwork, "kubernetes.io/config.source",
    ]
    static let podStatusFields = ["resourceClaimStatuses", "extendedResourceClaimStatus"]
    static let nadAnnotations: Set<String> = [WellKnownAnnotation.resourceName]

    static func pod(_ object: JSONValue) -> JSONValue {
        var trimmed = JSONObject([("metadata", metadata(object, annotations: podAnnotations))])
        if let node = object["spec"]?["nodeName"] { trimmed["spec"] = ["nodeName": node] }
        var status = JSONObject()
        for field in podStatusFields { if let value = object["status"]?[field] { status[field] = value } }
        if !status.isEmpty { trimmed["status"] = .object(status) }
        return .object(trimmed)
    }

    static func nad(_ object: JSONValue) -> JSONValue {
        var trimmed = JSONObject([("metadata", metadata(object, annotations: nadAnnotations))])
        if let config = object["spec"]?["config"] { trimmed["spec"] = ["config": config] }
        return .object(trimmed)
    }

    private static func metadata(_ object: JSONValue, annotations kept: Set<String>) -> JSONValue {
        var metadata = JSONObject()
        for field in ["name", "namespace", "uid", "resourceVersion"] {
            if let value = object["metadata"]?[field] { metadata[field] = value }
        }
        var annotations = JSONObject()
        for member in object["metadata"]?["annotations"]?.objectValue ?? JSONObject() where kept.contains(member.key) {
            annotations[member.key] = member.value
        }
        if !annotations.isEmpty { metadata["annotations"] = .object(annotations) }
        return .object(metadata)
    }
}
