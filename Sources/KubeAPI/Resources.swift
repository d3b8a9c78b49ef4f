import CNISpec

/// `namespace/name` of a namespaced object.
package struct ObjectKey: Sendable, Hashable, CustomStringConvertible {
    package var namespace: String
    package var name: String
    package init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }
    package var description: String { "\(namespace)/\(name)" }
}

/// The fields of `metadata` we read. The whole object stays available as
/// JSON, so a PUT sends back everything the server gave us.
package struct ObjectMeta: Sendable, Equatable {
    package var name: String
    package var namespace: String
    package var uid: String
    package var resourceVersion: String
    package var annotations: [String: String]

    package init(json: JSONValue?) {
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
package struct Pod: Sendable, Equatable {
    package var json: JSONValue
    package var metadata: ObjectMeta

    package init(json: JSONValue) {
        self.json = json
        metadata = ObjectMeta(json: json["metadata"])
    }

    package var annotations: [String: String] { metadata.annotations }
    package var nodeName: String? { json["spec"]?["nodeName"]?.stringValue }

    /// `status.resourceClaimStatuses[]`: (claim name in the pod spec, ResourceClaim name).
    package var resourceClaimStatuses: [(name: String, resourceClaimName: String?)] {
        (json["status"]?["resourceClaimStatuses"]?.arrayValue ?? []).compactMap { entry in
            guard let name = entry["name"]?.stringValue else { return nil }
            return (name, entry["resourceClaimName"]?.stringValue)
        }
    }

    /// `status.extendedResourceClaimStatus` (KEP-5004, Kubernetes 1.34+); nil
    /// when the pod has no extended resources backed by DRA.
    package var extendedResourceClaimStatus: ExtendedResourceClaimStatus? {
        guard let status = json["status"]?["extendedResourceClaimStatus"],
              let claim = status["resourceClaimName"]?.stringValue, !claim.isEmpty else { return nil }
        let mappings = (status["requestMappings"]?.arrayValue ?? []).compactMap { m -> ExtendedResourceClaimStatus.RequestMapping? in
            guard let resource = m["resourceName"]?.stringValue, let request = m["requestName"]?.stringValue else { return nil }
            return .init(containerName: m["containerName"]?.stringValue ?? "", resourceName: resource, requestName: request)
        }
        return ExtendedResourceClaimStatus(resourceClaimName: claim, requestMappings: mappings)
    }
}

/// core/v1 PodExtendedResourceClaimStatus: the special ResourceClaim the
/// scheduler made for the pod's extended resources backed by DRA (a
/// DeviceClass with `extendedResourceName`), and which of its device requests
/// serves which container's extended resource.
package struct ExtendedResourceClaimStatus: Sendable, Equatable {
    /// core/v1 ContainerExtendedResourceRequest.
    package struct RequestMapping: Sendable, Equatable {
        package var containerName: String
        /// The extended resource (`intel.com/sriov_vf`), as the container requests it.
        package var resourceName: String
        /// The device request in the claim (`container-0-request-0`).
        package var requestName: String
        package init(containerName: String, resourceName: String, requestName: String) {
            self.containerName = containerName
            self.resourceName = resourceName
            self.requestName = requestName
        }
    }

    /// In the pod's namespace.
    package var resourceClaimName: String
    package var requestMappings: [RequestMapping]

    package init(resourceClaimName: String, requestMappings: [RequestMapping]) {
        self.resourceClaimName = resourceClaimName
        self.requestMappings = requestMappings
    }
}

/// k8s.cni.cncf.io/v1 NetworkAttachmentDefinition.
package struct NetworkAttachmentDefinition: Sendable, Equatable {
    package var json: JSONValue
    package var metadata: ObjectMeta

    package init(json: JSONValue) {
        self.json = json
        metadata = ObjectMeta(json: json["metadata"])
    }

    /// `spec.config`: a CNI conf or conflist as a JSON string; may be empty.
    package var config: String { json["spec"]?["config"]?.stringValue ?? "" }
    package var resourceName: String? { metadata.annotations["k8s.v1.cni.cncf.io/resourceName"] }
}

/// resource.k8s.io ResourceClaim: the allocated devices.
package struct ResourceClaim: Sendable, Equatable {
    package var json: JSONValue
    package var metadata: ObjectMeta

    package init(json: JSONValue) {
        self.json = json
        metadata = ObjectMeta(json: json["metadata"])
    }

    /// One of `status.allocation.devices.results`: a device and the claim's request it serves.
    package struct AllocationResult: Sendable, Equatable {
        package var request: String
        package var device: AllocatedDevice
        package init(request: String, device: AllocatedDevice) {
            self.request = request
            self.device = device
        }
    }

    /// The resource.k8s.io version it was served in ("v1"), when the object says.
    package var apiVersion: String? { resourceAPIVersion(of: json) }

    /// nil when the claim is not allocated.
    package var allocationResults: [AllocationResult]? {
        guard let results = json["status"]?["allocation"]?["devices"]?["results"]?.arrayValue else { return nil }
        return results.compactMap { r in
            guard let driver = r["driver"]?.stringValue, let pool = r["pool"]?.stringValue,
                  let device = r["device"]?.stringValue else { return nil }
            return AllocationResult(request: r["request"]?.stringValue ?? "",
                                    device: AllocatedDevice(driver: driver, pool: pool, device: device,
                                                            shareID: r["shareID"]?.stringValue))
        }
    }
}

/// resource.k8s.io ResourceSlice: a driver's devices on a node, with attributes.
package struct ResourceSlice: Sendable, Equatable {
    package var json: JSONValue

    package init(json: JSONValue) { self.json = json }

    package var driver: String { json["spec"]?["driver"]?.stringValue ?? "" }
    package var pool: String { json["spec"]?["pool"]?["name"]?.stringValue ?? "" }
    /// The resource.k8s.io version it was served in ("v1"), when the object says.
    package var apiVersion: String? { resourceAPIVersion(of: json) }
    package var nodeName: String? { json["spec"]?["nodeName"]?.stringValue }

    /// A device's attributes as plain strings (`{"string": "…"}` values only).
    package func stringAttributes(ofDevice name: String) -> [String: String]? {
        guard let device = (json["spec"]?["devices"]?.arrayValue ?? []).first(where: { $0["name"]?.stringValue == name })
        else { return nil }
        var attributes: [String: String] = [:]
        for member in device["attributes"]?.objectValue ?? device["basic"]?["attributes"]?.objectValue ?? JSONObject() {
            if let s = member.value["string"]?.stringValue { attributes[member.key] = s }
        }
        return attributes
    }
}

/// "v1" of `apiVersion: resource.k8s.io/v1`; nil for anything else.
func resourceAPIVersion(of json: JSONValue) -> String? {
    guard let apiVersion = json["apiVersion"]?.stringValue, apiVersion.hasPrefix("resource.k8s.io/") else { return nil }
    let version = String(apiVersion.dropFirst("resource.k8s.io/".count))
    return version.isEmpty ? nil : version
}

/// A core/v1 Event about a pod (`AddedInterface`, `NoNetworkFound`).
package struct PodEvent: Sendable, Equatable {
    package var pod: ObjectKey
    package var podUID: String
    package var type: String  // Normal | Warning
    package var reason: String
    package var message: String
    package init(pod: ObjectKey, podUID: String, type: String = "Normal", reason: String, message: String) {
        self.pod = pod
        self.podUID = podUID
        self.type = type
        self.reason = reason
        self.message = message
    }
}
