import CNISpec

/// One request as the double sees it, after transport and auth.
struct DoubleRequest {
    var method: String
    var path: String
    var query: [String: String]
    var contentType: String?
    var body: [UInt8]

    /// `path?query` split, query values percent-decoded.
    static func splitTarget(_ target: String) -> (path: String, query: [String: String]) {
        guard let q = target.firstIndex(of: "?") else { return (target, [:]) }
        var query: [String: String] = [:]
        for pair in target[target.index(after: q)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let key = APIPath.percentDecode(String(parts[0]))
            let value = parts.count > 1 ? APIPath.percentDecode(String(parts[1]).replacingPlus()) : ""
            query[key] = value
        }
        return (String(target[..<q]), query)
    }
}

extension String {
    fileprivate func replacingPlus() -> String { String(map { $0 == "+" ? " " : $0 }) }
}

/// What the double answers.
struct DoubleResponse {
    var status: Int
    var headers: [(String, String)] = [("Content-Type", "application/json")]
    var body: [UInt8]
    /// Drop the connection instead of answering (a `.resetConnection` fault).
    var dropConnection = false
    /// A WATCH: `body` is written as the first chunk and the stream stays open
    /// for the watcher `id` (nil: the stream ends after `body`, as after an ERROR).
    var watch: WatchStream?

    struct WatchStream {
        var id: Int?
        var timeoutSeconds: Int?
    }

    static func json(_ status: Int, _ value: JSONValue) -> DoubleResponse {
        DoubleResponse(status: status, body: value.serializedBytes)
    }

    /// A `metav1.Status` failure, shaped as the API server writes it.
    static func status(_ code: Int, reason: String, message: String, details: JSONValue? = nil) -> DoubleResponse {
        var body: JSONValue = [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
            "message": .string(message), "reason": .string(reason),
        ]
        if let details { body["details"] = details }
        body["code"] = .int(code)
        return .json(code, body)
    }

    static func notFound(_ path: APIPath) -> DoubleResponse {
        var details: JSONValue = ["name": .string(path.name ?? ""), "kind": .string(path.resource)]
        if !path.group.isEmpty { details["group"] = .string(path.group) }
        return .status(404, reason: "NotFound", message: "\(path.qualifiedResource) \"\(path.name ?? "")\" not found",
                       details: details)
    }

    /// What the API server says for a group/version it does not serve.
    static let resourceNotServed = DoubleResponse.status(
        404, reason: "NotFound", message: "the server could not find the requested resource", details: [:])

    /// The plain-text 404 of a path outside the API.
    static let pageNotFound = DoubleResponse(
        status: 404, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array("404 page not found\n".utf8))
}

/// The in-memory "etcd": objects by path, with the REST semantics the plugin
/// relies on (GET/LIST/POST/PUT/PATCH/DELETE, resourceVersion, merge patch).
struct ObjectStore {
    var objects: [String: JSONValue] = [:]
    var revision = 1000
    var uidCounter = 0
    /// Every write, in revision order: what a WATCH replays and streams.
    var changes: [Change] = []
    /// Changes at or below this revision are forgotten (etcd compaction): a
    /// WATCH from an older resourceVersion gets 410 Gone.
    var compactedRevision = 0
    /// Server-side apply's field ownership, by object path (objects never applied have none).
    var owners: [String: FieldOwnership] = [:]

    struct Change {
        var revision: Int
        var type: String  // ADDED, MODIFIED, DELETED
        var path: String
        var object: JSONValue
        var previous: JSONValue?
    }

    /// Stores `object` (whose resourceVersion is the current revision) and logs the change.
    mutating func store(_ object: JSONValue, at path: String) {
        let previous = objects[path]
        objects[path] = object
        changes.append(Change(revision: revision, type: previous == nil ? "ADDED" : "MODIFIED", path: path,
                              object: object, previous: previous))
    }

    /// Removes the object; the DELETED event carries it with a new resourceVersion.
    @discardableResult
    mutating func remove(at path: String) -> JSONValue? {
        guard var object = objects.removeValue(forKey: path) else { return nil }
        owners[path] = nil
        object["metadata"]?["resourceVersion"] = .string(nextResourceVersion())
        changes.append(Change(revision: revision, type: "DELETED", path: path, object: object, previous: object))
        return object
    }

    static let resourceOfKind: [String: String] = [
        "Pod": "pods", "NetworkAttachmentDefinition": "network-attachment-definitions",
        "ResourceClaim": "resourceclaims", "ResourceSlice": "resourceslices", "Event": "events",
        "Node": "nodes", "Namespace": "namespaces",
    ]
    static let clusterScoped: Set<String> = ["resourceslices", "nodes", "namespaces"]

    mutating func nextResourceVersion() -> String {
        revision += 1
        return String(revision)
    }

    mutating func nextUID() -> String {
        uidCounter += 1
        let hex = String(uidCounter, radix: 16)
        return "00000000-0000-4000-8000-" + String(repeating: "0", count: max(0, 12 - hex.count)) + hex
    }

    /// The object path for a seeded manifest.
    static func path(of object: JSONValue) -> String? {
        guard let kind = object["kind"]?.stringValue, let apiVersion = object["apiVersion"]?.stringValue,
              let name = object["metadata"]?["name"]?.stringValue else { return nil }
        let resource = resourceOfKind[kind] ?? kind.lowercased() + "s"
        let parts = apiVersion.split(separator: "/").map(String.init)
        let group = parts.count == 2 ? parts[0] : ""
        let version = parts.last ?? "v1"
        let namespace = clusterScoped.contains(resource)
            ? nil : (object["metadata"]?["namespace"]?.stringValue ?? "default")
        return APIPath(group: group, version: version, namespace: namespace, resource: resource, name: name).objectPath
    }

    /// Stores a manifest as if created: uid, namespace, resourceVersion filled in.
    mutating func seed(_ object: JSONValue, at path: String) {
        var object = object
        var metadata = object["metadata"]?.objectValue ?? JSONObject()
        if metadata["uid"] == nil { metadata["uid"] = .string(nextUID()) }
        if let ns = APIPath(path)?.namespace, metadata["namespace"] == nil { metadata["namespace"] = .string(ns) }
        metadata["resourceVersion"] = .string(nextResourceVersion())
        object["metadata"] = .object(metadata)
        owners[path] = nil
        store(object, at: path)
    }

    mutating func bumpResourceVersion(at path: String) {
        guard var object = objects[path] else { return }
        object["metadata"]?["resourceVersion"] = .string(nextResourceVersion())
        store(object, at: path)
    }

    mutating func handle(_ request: DoubleRequest, unavailableAPIs: Set<String>) -> DoubleResponse {
        guard let path = APIPath(request.path) else { return .pageNotFound }
        if unavailableAPIs.contains(path.groupVersion) { return .resourceNotServed }
        guard let objectPath = path.objectPath else {
            switch request.method {
            case "GET": return list(path, query: request.query)
            case "POST": return create(path, body: request.body)
            default: return methodNotAllowed(request.method, path)
            }
        }
        if let sub = path.subresource, sub != "status" {
            return .status(404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        switch request.method {
        case "GET":
            guard let object = objects[objectPath] else { return .notFound(path) }
            return .json(200, object)
        case "PUT":
            return update(path, objectPath: objectPath, body: request.body)
        case "PATCH":
            if Self.mediaType(request.contentType) == "application/apply-patch+yaml" {
                return apply(path, objectPath: objectPath, query: request.query, body: request.body)
            }
            return patch(path, objectPath: objectPath, contentType: request.contentType, body: request.body)
        case "DELETE":
            guard remove(at: objectPath) != nil else { return .notFound(path) }
            return .json(200, ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success"])
        default:
            return methodNotAllowed(request.method, path)
        }
    }

    private func methodNotAllowed(_ method: String, _ path: APIPath) -> DoubleResponse {
        .status(405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource")
    }

    private func parseBody(_ body: [UInt8]) -> Result<JSONValue, DoubleErrorResponse> {
        do {
            let json = try JSONValue(parsing: body)
            guard json.objectValue != nil else {
                return .failure(DoubleErrorResponse(.status(400, reason: "BadRequest", message: "the body must be a JSON object")))
            }
            return .success(json)
        } catch {
            return .failure(DoubleErrorResponse(.status(400, reason: "BadRequest", message: "invalid JSON: \(error)")))
        }
    }

    /// LIST: the collection (across namespaces when the path names none), by
    /// path order, filtered by fieldSelector and labelSelector, with the
    /// current revision as `metadata.resourceVersion` (where a WATCH starts).
    private func list(_ path: APIPath, query: [String: String]) -> DoubleResponse {
        let filter: CollectionFilter
        switch CollectionFilter.parse(path, query: query) {
        case .success(let parsed): filter = parsed
        case .failure(let error): return error.response
        }
        let items = objects.filter { filter.contains(objectPath: $0.key) && filter.selects($0.value) }
            .sorted { $0.key < $1.key }.map(\.value)
        let kind = (items.first?["kind"]?.stringValue ?? Self.kind(ofResource: path.resource)) + "List"
        return .json(200, [
            "kind": .string(kind), "apiVersion": .string(path.groupVersion),
            "metadata": ["resourceVersion": .string(String(revision))],
            "items": .array(items),
        ])
    }

    static func kind(ofResource resource: String) -> String {
        resourceOfKind.first { $0.value == resource }?.key ?? resource
    }

    private mutating func create(_ path: APIPath, body: [UInt8]) -> DoubleResponse {
        var object: JSONValue
        switch parseBody(body) {
        case .success(let json): object = json
        case .failure(let error): return error.response
        }
        var metadata = object["metadata"]?.objectValue ?? JSONObject()
        var name = metadata["name"]?.stringValue ?? ""
        if name.isEmpty, let generate = metadata["generateName"]?.stringValue {
            name = generate + String(revision, radix: 36)
        }
        guard !name.isEmpty else {
            return .status(422, reason: "Invalid", message: "metadata.name: Required value: name or generateName is required")
        }
        if let ns = path.namespace {
            if let given = metadata["namespace"]?.stringValue, !given.isEmpty, given != ns {
                return .status(400, reason: "BadRequest",
                               message: "the namespace of the provided object does not match the namespace sent on the request")
            }
            metadata["namespace"] = .string(ns)
        }
        var target = path
        target.name = name
        let objectPath = target.objectPath!
        if objects[objectPath] != nil {
            return .status(409, reason: "AlreadyExists", message: "\(path.qualifiedResource) \"\(name)\" already exists",
                           details: ["name": .string(name), "kind": .string(path.resource)])
        }
        metadata["name"] = .string(name)
        metadata["uid"] = .string(nextUID())
        metadata["resourceVersion"] = .string(nextResourceVersion())
        object["metadata"] = .object(metadata)
        store(object, at: objectPath)
        return .json(201, object)
    }

    private mutating func update(_ path: APIPath, objectPath: String, body: [UInt8]) -> DoubleResponse {
        guard let current = objects[objectPath] else { return .notFound(path) }
        var object: JSONValue
        switch parseBody(body) {
        case .success(let json): object = json
        case .failure(let error): return error.response
        }
        guard let given = object["metadata"]?["resourceVersion"]?.stringValue, !given.isEmpty else {
            return .status(422, reason: "Invalid",
                           message: "\(path.qualifiedResource) \"\(path.name!)\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update")
        }
        guard given == current["metadata"]?["resourceVersion"]?.stringValue else { return conflict(path) }
        if path.subresource == "status" {
            // pods/status keeps the spec (podStatusStrategy).
            object["spec"] = current["spec"]
        }
        object["metadata"]?["uid"] = current["metadata"]?["uid"]
        object["metadata"]?["resourceVersion"] = .string(nextResourceVersion())
        store(object, at: objectPath)
        return .json(200, object)
    }

    static func mediaType(_ contentType: String?) -> String {
        contentType?.split(separator: ";").first.map { String($0).lowercased() } ?? ""
    }

    private mutating func patch(_ path: APIPath, objectPath: String, contentType: String?, body: [UInt8]) -> DoubleResponse {
        guard Self.mediaType(contentType) == "application/merge-patch+json" else {
            return .status(415, reason: "UnsupportedMediaType",
                           message: "the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/apply-patch+yaml")
        }
        guard let current = objects[objectPath] else { return .notFound(path) }
        let patch: JSONValue
        switch parseBody(body) {
        case .success(let json): patch = json
        case .failure(let error): return error.response
        }
        if let expected = patch["metadata"]?["resourceVersion"]?.stringValue,
           expected != current["metadata"]?["resourceVersion"]?.stringValue {
            return conflict(path)
        }
        var object = MergePatch.apply(patch, to: current)
        if path.subresource == "status" { object["spec"] = current["spec"] }
        object["metadata"]?["uid"] = current["metadata"]?["uid"]
        object["metadata"]?["name"] = current["metadata"]?["name"]
        recordUpdate(at: objectPath, from: current, to: &object, resource: path.resource, manager: "merge-patch",
                     subresource: path.subresource ?? "", apiVersion: path.groupVersion)
        object["metadata"]?["resourceVersion"] = .string(nextResourceVersion())
        store(object, at: objectPath)
        return .json(200, object)
    }

    private func conflict(_ path: APIPath) -> DoubleResponse {
        .status(409, reason: "Conflict",
                message: "Operation cannot be fulfilled on \(path.qualifiedResource) \"\(path.name ?? "")\": the object has been modified; please apply your changes to the latest version and try again",
                details: ["name": .string(path.name ?? ""), "kind": .string(path.resource)])
    }
}

struct DoubleErrorResponse: Error {
    var response: DoubleResponse
    init(_ response: DoubleResponse) { self.response = response }
}
