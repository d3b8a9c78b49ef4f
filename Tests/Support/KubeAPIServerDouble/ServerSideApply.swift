import CNISpec

/// Server-side apply (`PATCH` with `application/apply-patch+yaml`), as the
/// API server does it for the objects the double serves:
///
/// - the applied configuration is its field manager's whole intent: the
///   manager owns exactly the fields it sets; fields it owned before and no
///   longer applies are removed, unless another manager owns them too (or
///   something inside them);
/// - maps merge member by member; lists are atomic (replaced) except the
///   list-maps the types declare (`+listType=map`), which merge item by item
///   on their keys: ResourceClaim `status.devices` (driver, device, pool,
///   shareID), its `conditions` (type), `status.reservedFor` (uid), and
///   `metadata.ownerReferences` (uid);
/// - a field another manager set to a different value is a 409 conflict,
///   unless `force=true`, which takes it over;
/// - the first apply to an object gives its existing fields to the
///   "before-first-apply" manager; a merge patch or PUT by someone else takes
///   the fields it changes away from the managers that held them;
/// - on the `status` subresource only `status` counts, elsewhere everything
///   but `status`; `fieldManager` is required; apiVersion, kind and name must
///   match the URL; ResourceClaim `status.devices` entries must name
///   allocated devices, and their `networkData` is checked against the API's
///   limits (422 otherwise).
///
/// Ownership is rendered into `metadata.managedFields` (FieldsV1) after every
/// write. The body is read as JSON (JSON is YAML; YAML proper is refused).
struct FieldOwnership: Equatable {
    enum Element: Hashable {
        case field(String)
        /// A list-map item, by its keys as canonical JSON (`{"device":"x","driver":"d","pool":"p"}`).
        case item(String)
    }
    typealias Path = [Element]

    struct Manager: Hashable {
        var name: String
        var operation: String  // Apply | Update
        var subresource: String
        var apiVersion: String
    }

    /// Every node a manager set: members, list items, and what is inside them.
    var managers: [Manager: Set<Path>] = [:]

    static let beforeFirstApply = "before-first-apply"
}

enum ServerSideApply {
    /// The list-map keys of the list at `path` in a `resource` object; nil: an atomic list.
    static func listMapKeys(resource: String, path: FieldOwnership.Path) -> [String]? {
        switch (resource, path) {
        case (_, [.field("metadata"), .field("ownerReferences")]): return ["uid"]
        case ("resourceclaims", [.field("status"), .field("devices")]): return ["driver", "device", "pool", "shareID"]
        case ("resourceclaims", [.field("status"), .field("reservedFor")]): return ["uid"]
        case ("resourceclaims", let p) where p.count == 4 && p[0] == .field("status") && p[1] == .field("devices")
            && p[3] == .field("conditions"):
            return ["type"]
        default: return nil
        }
    }

    static func itemKey(_ item: JSONValue, keys: [String]) -> String {
        let members = keys.sorted().compactMap { k in item[k].map { (k, $0) } }
        return JSONValue.object(JSONObject(members)).serialized
    }

    /// What `value` (at `path`) sets, every node of it.
    static func paths(of value: JSONValue, at path: FieldOwnership.Path, resource: String) -> Set<FieldOwnership.Path> {
        var out: Set<FieldOwnership.Path> = []
        switch value {
        case .object(let o):
            for member in o {
                let p = path + [.field(member.key)]
                out.insert(p)
                out.formUnion(paths(of: member.value, at: p, resource: resource))
            }
        case .array(let items):
            guard let keys = listMapKeys(resource: resource, path: path) else { break }
            for item in items {
                let p = path + [.item(itemKey(item, keys: keys))]
                out.insert(p)
                out.formUnion(paths(of: item, at: p, resource: resource))
            }
        default: break
        }
        return out
    }

    /// The fields of an object a manager can own in `scope`: `status` only, or everything else but identity.
    static func scoped(_ object: JSONValue, statusOnly: Bool) -> JSONValue {
        var o = JSONObject()
        if statusOnly {
            if let status = object["status"] { o["status"] = status }
            return .object(o)
        }
        for member in object.objectValue ?? JSONObject() where !["apiVersion", "kind", "status"].contains(member.key) {
            if member.key == "metadata" {
                var metadata = JSONObject()
                for m in member.value.objectValue ?? JSONObject() where ["labels", "annotations", "ownerReferences", "finalizers"].contains(m.key) {
                    metadata[m.key] = m.value
                }
                if !metadata.isEmpty { o["metadata"] = .object(metadata) }
            } else {
                o[member.key] = member.value
            }
        }
        return .object(o)
    }

    static func value(at path: FieldOwnership.Path, in root: JSONValue, resource: String) -> JSONValue? {
        var current: JSONValue? = root
        var walked: FieldOwnership.Path = []
        for element in path {
            guard let node = current else { return nil }
            switch element {
            case .field(let name): current = node[name]
            case .item(let key):
                guard let keys = listMapKeys(resource: resource, path: walked) else { return nil }
                current = node.arrayValue?.first { itemKey($0, keys: keys) == key }
            }
            walked.append(element)
        }
        return current
    }

    /// Leaves: scalars and atomic lists (what a conflict is about).
    static func isLeaf(_ value: JSONValue, at path: FieldOwnership.Path, resource: String) -> Bool {
        switch value {
        case .object: false
        case .array: listMapKeys(resource: resource, path: path) == nil
        default: true
        }
    }

    /// `applied` merged into `live`: maps member by member, list-maps item by item, the rest replaced.
    static func merge(_ live: JSONValue?, _ applied: JSONValue, at path: FieldOwnership.Path, resource: String) -> JSONValue {
        switch applied {
        case .object(let members):
            var result = live?.objectValue ?? JSONObject()
            for member in members {
                result[member.key] = merge(result[member.key], member.value, at: path + [.field(member.key)], resource: resource)
            }
            return .object(result)
        case .array(let items):
            guard let keys = listMapKeys(resource: resource, path: path) else { return applied }
            var result = live?.arrayValue ?? []
            for item in items {
                let key = itemKey(item, keys: keys)
                if let index = result.firstIndex(where: { itemKey($0, keys: keys) == key }) {
                    result[index] = merge(result[index], item, at: path + [.item(key)], resource: resource)
                } else {
                    result.append(item)
                }
            }
            return .array(result)
        default:
            return applied
        }
    }

    static func remove(_ path: FieldOwnership.Path, from root: inout JSONValue, resource: String) {
        guard let last = path.last else { return }
        let parentPath = Array(path.dropLast())
        func edit(_ node: inout JSONValue, _ rest: ArraySlice<FieldOwnership.Element>, walked: FieldOwnership.Path) {
            guard let head = rest.first else {
                switch last {
                case .field(let name): node[name] = Optional.none
                case .item(let key):
                    guard let keys = listMapKeys(resource: resource, path: parentPath), let items = node.arrayValue else { return }
                    node = .array(items.filter { itemKey($0, keys: keys) != key })
                }
                return
            }
            switch head {
            case .field(let name):
                guard var child = node[name] else { return }
                edit(&child, rest.dropFirst(), walked: walked + [head])
                node[name] = child
            case .item(let key):
                guard let keys = listMapKeys(resource: resource, path: walked), var items = node.arrayValue,
                      let index = items.firstIndex(where: { itemKey($0, keys: keys) == key }) else { return }
                edit(&items[index], rest.dropFirst(), walked: walked + [head])
                node = .array(items)
            }
        }
        edit(&root, parentPath[...], walked: [])
    }

    static func describe(_ path: FieldOwnership.Path) -> String {
        path.map { element in
            switch element {
            case .field(let name): "." + name
            case .item(let key):
                "[" + (((try? JSONValue(parsing: Array(key.utf8)))?.objectValue ?? JSONObject()).map {
                    "\($0.key)=\($0.value.serialized)"
                }.joined(separator: ",")) + "]"
            }
        }.joined()
    }

    /// `metadata.managedFields` as the API server writes it (FieldsV1).
    static func managedFields(_ ownership: FieldOwnership) -> JSONValue {
        let managers = ownership.managers.keys.sorted { ($0.name, $0.subresource) < ($1.name, $1.subresource) }
        return .array(managers.map { manager in
            var entry = JSONObject([("manager", .string(manager.name)), ("operation", .string(manager.operation)),
                                    ("apiVersion", .string(manager.apiVersion)), ("fieldsType", "FieldsV1"),
                                    ("fieldsV1", fieldsV1(ownership.managers[manager] ?? []))])
            if !manager.subresource.isEmpty { entry["subresource"] = .string(manager.subresource) }
            return .object(entry)
        })
    }

    private static func fieldsV1(_ paths: Set<FieldOwnership.Path>) -> JSONValue {
        func name(_ element: FieldOwnership.Element) -> String {
            switch element {
            case .field(let n): "f:" + n
            case .item(let key): "k:" + key
            }
        }
        func node(_ prefix: FieldOwnership.Path) -> JSONValue {
            let children = Set(paths.filter { $0.count == prefix.count + 1 && Array($0.prefix(prefix.count)) == prefix }.map { $0.last! })
            var o = JSONObject()
            if !prefix.isEmpty, !children.isEmpty, paths.contains(prefix) { o["."] = [:] }
            for child in children.sorted(by: { name($0) < name($1) }) { o[name(child)] = node(prefix + [child]) }
            return .object(o)
        }
        return node([])
    }
}

extension ObjectStore {
    /// PATCH with `application/apply-patch+yaml`.
    mutating func apply(_ path: APIPath, objectPath: String, query: [String: String], body: [UInt8]) -> DoubleResponse {
        guard let managerName = query["fieldManager"], !managerName.isEmpty else {
            return .status(400, reason: "BadRequest", message: "fieldManager is required for apply requests")
        }
        guard managerName.utf8.count <= 128 else {
            return .status(422, reason: "Invalid", message: "fieldManager: Too long: may not be more than 128 bytes")
        }
        let force = query["force"] == "true"
        let config: JSONValue
        do {
            config = try JSONValue(parsing: body)
        } catch {
            return .status(400, reason: "BadRequest", message: "error decoding YAML: the double reads apply bodies as JSON only: \(error)")
        }
        guard config.objectValue != nil else { return .status(400, reason: "BadRequest", message: "the body must be an object") }
        let kind = Self.kind(ofResource: path.resource)
        guard config["apiVersion"]?.stringValue == path.groupVersion else {
            return .status(400, reason: "BadRequest",
                           message: "the API version in the data (\(config["apiVersion"]?.stringValue ?? "")) does not match the expected API version (\(path.groupVersion))")
        }
        guard config["kind"]?.stringValue == kind else {
            return .status(400, reason: "BadRequest",
                           message: "the kind in the data (\(config["kind"]?.stringValue ?? "")) does not match the expected kind (\(kind))")
        }
        guard config["metadata"]?["name"]?.stringValue == path.name else {
            return .status(400, reason: "BadRequest",
                           message: "the name of the object (\(config["metadata"]?["name"]?.stringValue ?? "")) does not match the name on the URL (\(path.name ?? ""))")
        }
        // Applying to a missing object creates it, but not through a subresource.
        let statusOnly = path.subresource == "status"
        let fresh: JSONValue? = statusOnly ? Optional.none : .object(JSONObject())
        guard let current = objects[objectPath] ?? fresh else { return .notFound(path) }
        let resource = path.resource
        let applied = ServerSideApply.scoped(config, statusOnly: statusOnly)
        let newPaths = ServerSideApply.paths(of: applied, at: [], resource: resource)
        let manager = FieldOwnership.Manager(name: managerName, operation: "Apply", subresource: path.subresource ?? "",
                                             apiVersion: path.groupVersion)

        var ownership = owners[objectPath] ?? FieldOwnership()
        if owners[objectPath] == nil, objects[objectPath] != nil {
            let existing = ServerSideApply.paths(of: ServerSideApply.scoped(current, statusOnly: false), at: [], resource: resource)
                .union(ServerSideApply.paths(of: ServerSideApply.scoped(current, statusOnly: true), at: [], resource: resource))
            if !existing.isEmpty {
                ownership.managers[FieldOwnership.Manager(name: FieldOwnership.beforeFirstApply, operation: "Update",
                                                          subresource: "", apiVersion: path.groupVersion)] = existing
            }
        }

        // Conflicts: a leaf we set to a value another manager set differently.
        var conflicts: [(FieldOwnership.Manager, FieldOwnership.Path)] = []
        for p in newPaths {
            guard let mine = ServerSideApply.value(at: p, in: applied, resource: resource),
                  ServerSideApply.isLeaf(mine, at: p, resource: resource),
                  let live = ServerSideApply.value(at: p, in: current, resource: resource), live != mine else { continue }
            for (other, owned) in ownership.managers where other != manager && owned.contains(p) { conflicts.append((other, p)) }
        }
        if !conflicts.isEmpty {
            guard force else {
                let lines = conflicts.map { "conflict with \"\($0.0.name)\" using \($0.0.apiVersion): \(ServerSideApply.describe($0.1))" }
                    .sorted()
                return .status(409, reason: "Conflict",
                               message: "Apply failed with \(conflicts.count) conflict\(conflicts.count == 1 ? "" : "s"): \(lines.joined(separator: "\n"))",
                               details: ["name": .string(path.name ?? ""), "group": .string(path.group), "kind": .string(resource),
                                         "causes": .array(conflicts.map { ["reason": "FieldManagerConflict",
                                                                           "message": .string("conflict with \"\($0.0.name)\""),
                                                                           "field": .string(ServerSideApply.describe($0.1))] })])
            }
            for (other, p) in conflicts { ownership.managers[other]?.remove(p) }
        }

        var merged = ServerSideApply.merge(current, applied, at: [], resource: resource)
        let released = (ownership.managers[manager] ?? []).subtracting(newPaths).sorted { $0.count < $1.count }
        ownership.managers[manager] = newPaths
        for p in released {
            let heldElsewhere = ownership.managers.contains { other, owned in
                other != manager && owned.contains { $0.count >= p.count && Array($0.prefix(p.count)) == p }
            }
            if !heldElsewhere { ServerSideApply.remove(p, from: &merged, resource: resource) }
        }
        ownership.managers = ownership.managers.filter { !$0.value.isEmpty }

        var object = current
        if statusOnly {
            object["status"] = merged["status"]
        } else {
            object = merged
            object["status"] = current["status"]
            object["apiVersion"] = config["apiVersion"]
            object["kind"] = config["kind"]
            object["metadata"]?["name"] = .string(path.name ?? "")
            if let ns = path.namespace { object["metadata"]?["namespace"] = .string(ns) }
        }
        if let invalid = Self.validate(object, resource: resource) { return invalid }
        let created = objects[objectPath] == nil
        if created { object["metadata"]?["uid"] = .string(nextUID()) }
        owners[objectPath] = ownership
        object["metadata"]?["managedFields"] = ServerSideApply.managedFields(ownership)
        object["metadata"]?["resourceVersion"] = .string(nextResourceVersion())
        store(object, at: objectPath)
        return .json(created ? 201 : 200, object)
    }

    /// A write other than apply (merge patch, PUT) by `manager`: the fields it
    /// changed or removed are no longer the apply managers'.
    mutating func recordUpdate(at objectPath: String, from old: JSONValue, to new: inout JSONValue, resource: String,
                               manager: String, subresource: String, apiVersion: String) {
        guard var ownership = owners[objectPath] else { return }
        var changed: Set<FieldOwnership.Path> = []
        for (m, owned) in ownership.managers {
            for p in owned {
                let before = ServerSideApply.value(at: p, in: old, resource: resource)
                let after = ServerSideApply.value(at: p, in: new, resource: resource)
                let leaf = before.map { ServerSideApply.isLeaf($0, at: p, resource: resource) } ?? true
                if after == nil || (leaf && before != after) {
                    ownership.managers[m]?.remove(p)
                    if after != nil { changed.insert(p) }
                }
            }
        }
        if !changed.isEmpty {
            ownership.managers[FieldOwnership.Manager(name: manager, operation: "Update", subresource: subresource,
                                                      apiVersion: apiVersion), default: []].formUnion(changed)
        }
        ownership.managers = ownership.managers.filter { !$0.value.isEmpty }
        owners[objectPath] = ownership
        new["metadata"]?["managedFields"] = ServerSideApply.managedFields(ownership)
    }

    /// The API server's validation of what the double lets clients write.
    static func validate(_ object: JSONValue, resource: String) -> DoubleResponse? {
        guard resource == "resourceclaims" else { return nil }
        let name = object["metadata"]?["name"]?.stringValue ?? ""
        func invalid(_ field: String, _ why: String) -> DoubleResponse {
            .status(422, reason: "Invalid", message: "ResourceClaim.resource.k8s.io \"\(name)\" is invalid: \(field): \(why)")
        }
        let results = object["status"]?["allocation"]?["devices"]?["results"]?.arrayValue ?? []
        let keys = ["driver", "device", "pool", "shareID"]
        let allocated = Set(results.map { ServerSideApply.itemKey($0, keys: keys) })
        for (i, entry) in (object["status"]?["devices"]?.arrayValue ?? []).enumerated() {
            let field = "status.devices[\(i)]"
            guard allocated.contains(ServerSideApply.itemKey(entry, keys: keys)) else {
                return invalid(field, "Invalid value: \"\(entry["driver"]?.stringValue ?? "")/\(entry["pool"]?.stringValue ?? "")/\(entry["device"]?.stringValue ?? "")\": must be an allocated device in the claim")
            }
            guard let data = entry["networkData"] else { continue }
            if (data["interfaceName"]?.stringValue ?? "").utf8.count > 256 {
                return invalid(field + ".networkData.interfaceName", "Too long: may not be more than 256 bytes")
            }
            if (data["hardwareAddress"]?.stringValue ?? "").utf8.count > 128 {
                return invalid(field + ".networkData.hardwareAddress", "Too long: may not be more than 128 bytes")
            }
            let ips = (data["ips"]?.arrayValue ?? []).map { $0.stringValue ?? "" }
            if ips.count > 16 { return invalid(field + ".networkData.ips", "Too many: \(ips.count): must have at most 16 items") }
            for (j, ip) in ips.enumerated() {
                if !IPText.isCIDR(ip) {
                    return invalid(field + ".networkData.ips[\(j)]", "Invalid value: \"\(ip)\": must be a valid address in CIDR form")
                }
                if ips[..<j].contains(ip) { return invalid(field + ".networkData.ips[\(j)]", "Duplicate value: \"\(ip)\"") }
            }
        }
        return nil
    }
}
