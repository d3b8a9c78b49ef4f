import CNISpec

/// `fieldSelector` as the API server takes it: `a=b`, `a==b`, `a!=b`, joined
/// by commas, on the fields each resource declares selectable (every
/// resource: metadata.name and metadata.namespace); others are 400.
struct FieldSelector {
    var requirements: [(field: String, value: String, equal: Bool)] = []

    static let selectableFields: [String: Set<String>] = [
        "resourceslices": ["metadata.name", "spec.nodeName", "spec.driver", "spec.pool.name"],
        "pods": [
            "metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
            "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName",
        ],
        "events": [
            "metadata.name", "metadata.namespace", "involvedObject.kind", "involvedObject.namespace",
            "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
            "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type",
        ],
    ]
    static let everyResource: Set<String> = ["metadata.name", "metadata.namespace"]

    /// nil with the API server's message when the selector is invalid.
    static func parse(_ text: String, resource: String) -> Result<FieldSelector, DoubleErrorResponse> {
        var selector = FieldSelector()
        for term in text.split(separator: ",") {
            let text = String(term)
            let (field, value, equal): (String, String, Bool)
            if let r = text.range(of: "!=") {
                (field, value, equal) = (String(text[..<r.lowerBound]), String(text[r.upperBound...]), false)
            } else if let r = text.range(of: "==") {
                (field, value, equal) = (String(text[..<r.lowerBound]), String(text[r.upperBound...]), true)
            } else if let r = text.range(of: "=") {
                (field, value, equal) = (String(text[..<r.lowerBound]), String(text[r.upperBound...]), true)
            } else {
                return .failure(DoubleErrorResponse(.status(400, reason: "BadRequest", message: "invalid field selector: \(text)")))
            }
            let allowed = selectableFields[resource] ?? everyResource
            guard allowed.contains(field) else {
                return .failure(DoubleErrorResponse(.status(400, reason: "BadRequest", message: "field label not supported: \(field)")))
            }
            selector.requirements.append((field, value, equal))
        }
        return .success(selector)
    }

    func matches(_ object: JSONValue) -> Bool {
        requirements.allSatisfy { requirement in
            var node: JSONValue? = object
            for part in requirement.field.split(separator: ".") { node = node?[String(part)] }
            let text: String
            switch node {
            case .string(let s)?: text = s
            case .bool(let b)?: text = b ? "true" : "false"
            case .number(let n)?: text = n
            default: text = ""
            }
            return (text == requirement.value) == requirement.equal
        }
    }
}

/// `labelSelector` in its equality forms: `a=b`, `a==b`, `a!=b`, `a`, `!a`.
struct LabelSelector {
    enum Requirement {
        case equals(String, String)
        case notEquals(String, String)
        case exists(String)
        case absent(String)
    }

    var requirements: [Requirement] = []

    init(_ text: String) {
        for term in text.split(separator: ",") {
            let text = String(term).trimmingSpace
            if let r = text.range(of: "!=") {
                requirements.append(.notEquals(String(text[..<r.lowerBound]), String(text[r.upperBound...])))
            } else if let r = text.range(of: "==") ?? text.range(of: "=") {
                requirements.append(.equals(String(text[..<r.lowerBound]), String(text[r.upperBound...])))
            } else if text.hasPrefix("!") {
                requirements.append(.absent(String(text.dropFirst())))
            } else {
                requirements.append(.exists(text))
            }
        }
    }

    func matches(_ object: JSONValue) -> Bool {
        let labels = object["metadata"]?["labels"]?.objectValue ?? JSONObject()
        return requirements.allSatisfy { requirement in
            switch requirement {
            case .equals(let key, let value): labels[key]?.stringValue == value
            case .notEquals(let key, let value): labels[key]?.stringValue != value
            case .exists(let key): labels[key] != nil
            case .absent(let key): labels[key] == nil
            }
        }
    }
}

/// What a LIST or WATCH selects: a collection (across namespaces when the
/// path names none) and its selectors.
struct CollectionFilter {
    var path: APIPath
    var fields = FieldSelector()
    var labels = LabelSelector("")

    static func parse(_ path: APIPath, query: [String: String]) -> Result<CollectionFilter, DoubleErrorResponse> {
        var filter = CollectionFilter(path: path)
        if let text = query["fieldSelector"], !text.isEmpty {
            switch FieldSelector.parse(text, resource: path.resource) {
            case .success(let selector): filter.fields = selector
            case .failure(let error): return .failure(error)
            }
        }
        if let text = query["labelSelector"], !text.isEmpty { filter.labels = LabelSelector(text) }
        return .success(filter)
    }

    /// Whether the object stored at `objectPath` is in the collection.
    func contains(objectPath: String) -> Bool {
        guard let object = APIPath(objectPath), object.name != nil else { return false }
        return object.group == path.group && object.version == path.version && object.resource == path.resource
            && (path.namespace == nil || object.namespace == path.namespace)
    }

    func selects(_ object: JSONValue) -> Bool { fields.matches(object) && labels.matches(object) }
}
