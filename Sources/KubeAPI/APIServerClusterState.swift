import CNISpec
import Synchronization

/// `ClusterState` read from and written to the API server through one `KubeClient`.
public final class APIServerClusterState: ClusterState {
    public static let networkStatusAnnotation = "k8s.v1.cni.cncf.io/network-status"
    /// resource.k8s.io versions tried, newest first, when the server lacks one.
    public static let resourceAPIVersions = ["v1", "v1beta2", "v1beta1"]
    /// GET + PUT rounds of the pods/status fallback before a conflict is given up on.
    static let maximumUpdateAttempts = 5

    public let client: KubeClient
    /// The resource.k8s.io version this server answered to, once known.
    private let resourceAPIVersion = Mutex<String?>(nil)

    public init(client: KubeClient) {
        self.client = client
    }

    /// A client for the kubeconfig at `kubeconfigPath`, or the in-cluster
    /// service account when it is nil. No request is made yet.
    public static func connect(kubeconfigPath: String?, options: KubeClient.Options = KubeClient.Options())
        throws(KubeError) -> APIServerClusterState
    {
        let config = try KubeClientConfig.load(kubeconfigPath: kubeconfigPath)
        return APIServerClusterState(client: try KubeClient(config: config, options: options))
    }

    // MARK: paths

    static func podPath(_ key: ObjectKey) -> String {
        "/api/v1/namespaces/\(URLEncoding.pathSegment(key.namespace))/pods/\(URLEncoding.pathSegment(key.name))"
    }

    static func nadPath(_ key: ObjectKey) -> String {
        "/apis/k8s.cni.cncf.io/v1/namespaces/\(URLEncoding.pathSegment(key.namespace))"
            + "/network-attachment-definitions/\(URLEncoding.pathSegment(key.name))"
    }

    static func resourceClaimPath(_ key: ObjectKey, version: String) -> String {
        "/apis/resource.k8s.io/\(version)/namespaces/\(URLEncoding.pathSegment(key.namespace))"
            + "/resourceclaims/\(URLEncoding.pathSegment(key.name))"
    }

    // MARK: reads

    public func pod(_ key: ObjectKey) async throws(KubeError) -> Pod? {
        try await getOrNil(Self.podPath(key)).map(Pod.init(json:))
    }

    public func networkAttachmentDefinition(_ key: ObjectKey) async throws(KubeError) -> NetworkAttachmentDefinition? {
        try await getOrNil(Self.nadPath(key)).map(NetworkAttachmentDefinition.init(json:))
    }

    /// nil also when the server serves no resource.k8s.io version at all.
    public func resourceClaim(_ key: ObjectKey) async throws(KubeError) -> ResourceClaim? {
        let json = try await withResourceAPIVersion { version throws(KubeError) in
            try await self.getOrNil(Self.resourceClaimPath(key, version: version))
        }
        return json?.map(ResourceClaim.init(json:))
    }

    /// Empty also when the server serves no resource.k8s.io version at all.
    public func resourceSlices(nodeName: String, driver: String) async throws(KubeError) -> [ResourceSlice] {
        let items = try await withResourceAPIVersion { version throws(KubeError) in
            try await self.client.list(
                "/apis/resource.k8s.io/\(version)/resourceslices",
                fieldSelector: "spec.nodeName=\(nodeName),spec.driver=\(driver)")
        }
        return (items ?? []).map(ResourceSlice.init(json:))
    }

    private func getOrNil(_ path: String) async throws(KubeError) -> JSONValue? {
        do {
            return try await client.get(path)
        } catch {
            if error.isNotFound && !Self.isMissingAPI(error) { return nil }
            throw error
        }
    }

    /// Runs `body` with the newest resource.k8s.io version the server serves;
    /// nil when it serves none of them (a cluster without DRA).
    private func withResourceAPIVersion<T>(_ body: (String) async throws(KubeError) -> T) async throws(KubeError) -> T? {
        let known = resourceAPIVersion.withLock { $0 }
        for version in known.map({ [$0] }) ?? Self.resourceAPIVersions {
            do {
                let result = try await body(version)
                resourceAPIVersion.withLock { $0 = version }
                return result
            } catch {
                guard Self.isMissingAPI(error) else { throw error }
            }
        }
        return nil
    }

    /// A 404 about the URL itself (group or version not served), not about an object.
    static func isMissingAPI(_ error: KubeError) -> Bool {
        guard case .status(404, _, let message) = error else { return false }
        return message.contains("could not find the requested resource") || message.contains("404 page not found")
    }

    // MARK: writes

    public func setNetworkStatus(of pod: ObjectKey, to value: String) async throws(KubeError) {
        let path = Self.podPath(pod) + "/status"
        let patch: JSONValue = ["metadata": ["annotations": [Self.networkStatusAnnotation: .string(value)]]]
        do {
            _ = try await client.patch(path, mergePatch: patch)
            return
        } catch {
            // Forbidden (RBAC grants update but not patch), or a server that does not
            // take merge patches here: do what Multus does, GET + PUT.
            guard case .status(let code, _, _) = error, [403, 405, 415].contains(code) else { throw error }
        }
        try await updateNetworkStatus(path: path, pod: pod, value: value)
    }

    private func updateNetworkStatus(path: String, pod: ObjectKey, value: String) async throws(KubeError) {
        var attempt = 0
        while true {
            attempt += 1
            var json = try await client.get(Self.podPath(pod))
            guard case .object(var metadata) = json["metadata"] ?? [:] else {
                throw .decoding("GET \(Self.podPath(pod)): metadata is not an object")
            }
            var annotations = metadata["annotations"]?.objectValue ?? JSONObject()
            annotations[Self.networkStatusAnnotation] = .string(value)
            metadata["annotations"] = .object(annotations)
            json["metadata"] = .object(metadata)
            do {
                _ = try await client.put(path, json)
                return
            } catch {
                // Someone else wrote the pod between our GET and PUT: read it again.
                guard error.isConflict, attempt < Self.maximumUpdateAttempts else { throw error }
            }
        }
    }

    public func postEvent(_ event: PodEvent) async throws(KubeError) {
        let now = WallClock.now()
        let timestamp = JSONValue.string(now.rfc3339)
        let body: JSONValue = [
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": [
                "name": .string("\(event.pod.name).\(String(now.unixNanoseconds, radix: 16))"),
                "namespace": .string(event.pod.namespace),
            ],
            "involvedObject": [
                "apiVersion": "v1",
                "kind": "Pod",
                "name": .string(event.pod.name),
                "namespace": .string(event.pod.namespace),
                "uid": .string(event.podUID),
            ],
            "reason": .string(event.reason),
            "message": .string(event.message),
            "type": .string(event.type),
            "source": ["component": "multus"],
            "firstTimestamp": timestamp,
            "lastTimestamp": timestamp,
            "count": 1,
        ]
        _ = try await client.post("/api/v1/namespaces/\(URLEncoding.pathSegment(event.pod.namespace))/events", body)
    }

    public func shutdown() async {
        await client.shutdown()
    }
}
