import CNISpec

/// `namespace/name` of a namespaced object.
public struct ObjectKey: Sendable, Hashable, CustomStringConvertible {
    public var namespace: String
    public var name: String
    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }
    public var description: String { "\(namespace)/\(name)" }
}

/// The fields of `metadata` we read. The whole object stays available as
/// JSON, so a PUT sends back everything the server gave us.
public struct ObjectMeta: Sendable, Equatable {
    public var name: String
    public var namespace: String
    public var uid: String
    public var resourceVersion: String
    public var annotations: [String: String]

    public init(json: JSONValue?) {
        name = json?["name"]?.stringValue ?? ""
        namespace = json?["namespace"]?.stringValue ?? ""
        uid = json?["uid"]?.stringValue ?? ""
        resourceVersion = json?["resourceVersion"]?.stringValue ?? ""
        var annotations: [String: String] = [:]
        for member in json?["annotations"]?.objectValue ?? JSONObject() {
            if let value = member.value.stringValue { annotations[member.key] = value }
        }
        self.annotations = annotations
    }
}

/// A core/v1 Pod, as much of it as Multus reads.
public struct Pod: Sendable, Equatable {
    public var json: JSONValue
    public var metadata: ObjectMeta

    public init(json: JSONValue) {
        self.json = json
        metadata = ObjectMeta(json: json["metadata"])
    }

    public var annotations: [String: String] { metadata.annotations }
    public var nodeName: String? { json["spec"]?["nodeName"]?.stringValue }

    /// `status.resourceClaimStatuses[]`: (claim name in the pod spec, ResourceClaim name).
    public var resourceClaimStatuses: [(name: String, resourceClaimName: String?)] {
        (json["status"]?["resourceClaimStatuses"]?.arrayValue ?? []).compactMap { entry in
            guard let name = entry["name"]?.stringValue else { return nil }
            return (name, entry["resourceClaimName"]?.stringValue)
        }
    }
}

/// k8s.cni.cncf.io/v1 NetworkAttachmentDefinition.
public struct NetworkAttachmentDefinition: Sendable, Equatable {
    public var json: JSONValue
    public var metadata: ObjectMeta

    public init(json: JSONValue) {
        self.json = json
        metadata = ObjectMeta(json: json["metadata"])
    }

    /// `spec.config`: a CNI conf or conflist as a JSON string; may be empty.
    public var config: String { json["spec"]?["config"]?.stringValue ?? "" }
    public var resourceName: String? { metadata.annotations["k8s.v1.cni.cncf.io/resourceName"] }
}

/// resource.k8s.io ResourceClaim: the allocated devices.
public struct ResourceClaim: Sendable, Equatable {
    public var json: JSONValue
    public var metadata: ObjectMeta

    public init(json: JSONValue) {
        self.json = json
        metadata = ObjectMeta(json: json["metadata"])
    }

    public struct AllocatedDevice: Sendable, Equatable {
        public var request: String
        public var driver: String
        public var pool: String
        public var device: String
        public init(request: String, driver: String, pool: String, device: String) {
            self.request = request
            self.driver = driver
            self.pool = pool
            self.device = device
        }
    }

    /// nil when the claim is not allocated.
    public var allocatedDevices: [AllocatedDevice]? {
        guard let results = json["status"]?["allocation"]?["devices"]?["results"]?.arrayValue else { return nil }
        return results.compactMap { r in
            guard let driver = r["driver"]?.stringValue, let pool = r["pool"]?.stringValue,
                  let device = r["device"]?.stringValue else { return nil }
            return AllocatedDevice(request: r["request"]?.stringValue ?? "", driver: driver, pool: pool, device: device)
        }
    }
}

/// resource.k8s.io ResourceSlice: a driver's devices on a node, with attributes.
public struct ResourceSlice: Sendable, Equatable {
    public var json: JSONValue

    public init(json: JSONValue) { self.json = json }

    public var driver: String { json["spec"]?["driver"]?.stringValue ?? "" }
    public var pool: String { json["spec"]?["pool"]?["name"]?.stringValue ?? "" }
    public var nodeName: String? { json["spec"]?["nodeName"]?.stringValue }

    /// A device's attributes as plain strings (`{"string": "…"}` values only).
    public func stringAttributes(ofDevice name: String) -> [String: String]? {
        guard let device = (json["spec"]?["devices"]?.arrayValue ?? []).first(where: { $0["name"]?.stringValue == name })
        else { return nil }
        var attributes: [String: String] = [:]
        for member in device["attributes"]?.objectValue ?? device["basic"]?["attributes"]?.objectValue ?? JSONObject() {
            if let s = member.value["string"]?.stringValue { attributes[member.key] = s }
        }
        return attributes
    }
}

/// A core/v1 Event about a pod (`AddedInterface`, `NoNetworkFound`).
public struct PodEvent: Sendable, Equatable {
    public var pod: ObjectKey
    public var podUID: String
    public var type: String  // Normal | Warning
    public var reason: String
    public var message: String
    public init(pod: ObjectKey, podUID: String, type: String = "Normal", reason: String, message: String) {
        self.pod = pod
        self.podUID = podUID
        self.type = type
        self.reason = reason
        self.message = message
    }
}
