import CNISpec
import SystemSupport
import Synchronization

/// `ClusterState` read from and written to the API server through one `KubeClient`.
package final class APIServerClusterState: ClusterState {
    package static let networkStatusAnnotation = "k8s.v1.cni.cncf.io/network-status"
    /// resource.k8s.io versions tried, newest first, when the server lacks one.
    package static let resourceAPIVersions = ["v1", "v1beta2", "v1beta1"]
    /// GET + PUT rounds of the pods/status fallback before a conflict is given up on.
    static let maximumUpdateAttempts = 5

    package let client: KubeClient
    /// The resource.k8s.io version this server answered to, once known.
    private let resourceAPIVersion = Mutex<String?>(nil)

    package init(client: KubeClient) {
        self.client = client
    }

    /// A client for the kubeconfig at `kubeconfigPath`, or the in-cluster
    /// service account when it is nil. No request is made yet.
    package static func connect(kubeconfigPath: String?, options: KubeClient.Options = KubeClient.Options())
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

    // MARK: reads (synchronous face over the async client, batches concurrent)

    package func pod(_ key: ObjectKey) throws(KubeError) -> Pod? {
        try blockingWait { await self.getOrNilResult(Self.podPath(key)) }.get().map(Pod.init(json:))
    }

    package func networkAttachmentDefinitions(_ keys: [ObjectKey]) -> [Result<NetworkAttachmentDefinition?, KubeError>] {
        concurrently(keys) { key in
            await self.getOrNilResult(Self.nadPath(key)).map { $0.map(NetworkAttachmentDefinition.init(json:)) }
        }
    }

    /// nil also when the server serves no resource.k8s.io version at all.
    package func resourceClaims(_ keys: [ObjectKey]) -> [Result<ResourceClaim?, KubeError>] {
        concurrently(keys) { key in
            await self.withResourceAPIVersion { version in
                await self.getOrNilResult(Self.resourceClaimPath(key, version: version))
            }.map { ($0 ?? nil).map(ResourceClaim.init(json:)) }
        }
    }

    /// Empty also when the server serves no resource.k8s.io version at all.
    package func resourceSlices(nodeName: String, drivers: [String]) -> [Result<[ResourceSlice], KubeError>] {
        concurrently(drivers) { driver in
            await self.withResourceAPIVersion { version in
                await self.listResult("/apis/resource.k8s.io/\(version)/resourceslices",
                                      fieldSelector: "spec.nodeName=\(nodeName),spec.driver=\(driver)")
            }.map { ($0 ?? []).map(ResourceSlice.init(json:)) }
        }
    }

    package func write(_ writes: [ClusterWrite]) -> [Result<Void, KubeError>] {
        concurrently(writes) { write in
            switch write {
            case .networkStatus(let pod, let value): await self.setNetworkStatusResult(of: pod, to: value)
            case .event(let event): await self.postEventResult(event)
            }
        }
    }

    /// Runs `body` for every item at once on the client's event loop and waits for all.
    private func concurrently<I: Sendable, T: Sendable>(_ items: [I], _ body: @escaping @Sendable (I) async -> Result<T, KubeError>)
        -> [Result<T, KubeError>] {
        blockingWait {
            await withTaskGroup(of: (Int, Result<T, KubeError>).self) { group in
                for (index, item) in items.enumerated() { group.addTask { (index, await body(item)) } }
                var results = [Result<T, KubeError>?](repeating: nil, count: items.count)
                for await (index, result) in group { results[index] = result }
                return results.map { $0! }
            }
        }
    }

    private func getOrNilResult(_ path: String) async -> Result<JSONValue?, KubeError> {
        do { return .success(try await client.get(path)) } catch {
            if error.isNotFound && !Self.isMissingAPI(error) { return .success(nil) }
            return .failure(error)
        }
    }

    private func listResult(_ path: String, fieldSelector: String) async -> Result<[JSONValue], KubeError> {
        do { return .success(try await client.list(path, fieldSelector: fieldSelector)) } catch { return .failure(error) }
    }

    /// Runs `body` with the newest resource.k8s.io version the server serves;
    /// nil when it serves none of them (a cluster without DRA).
    private func withResourceAPIVersion<T: Sendable>(_ body: (String) async -> Result<T, KubeError>) async -> Result<T?, KubeError> {
        let known = resourceAPIVersion.withLock { $0 }
        for version in known.map({ [$0] }) ?? Self.resourceAPIVersions {
            switch await body(version) {
            case .success(let value):
                resourceAPIVersion.withLock { $0 = version }
                return .success(value)
            case .failure(let error):
                guard Self.isMissingAPI(error) else { return .failure(error) }
            }
        }
        return .success(nil)
    }

    /// A 404 about the URL itself (group or version not served), not about an object.
    static func isMissingAPI(_ error: KubeError) -> Bool {
        guard case .status(404, _, let message) = error else { return false }
        return message.contains("could not find the requested resource") || message.contains("404 page not found")
    }

    // MARK: writes

    private func setNetworkStatusResult(of pod: ObjectKey, to value: String) async -> Result<Void, KubeError> {
        do { try await setNetworkStatus(of: pod, to: value); return .success(()) } catch { return .failure(error) }
    }

    private func postEventResult(_ event: PodEvent) async -> Result<Void, KubeError> {
        do { try await postEvent(event); return .success(()) } catch { return .failure(error) }
    }

    func setNetworkStatus(of pod: ObjectKey, to value: String) async throws(KubeError) {
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

    func postEvent(_ event: PodEvent) async throws(KubeError) {
        let now = WallClock.now()
        let timestamp = JSONValue.string(now.rfc3339UTC)
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

    package func shutdown() {
        let client = self.client
        blockingWait { await client.shutdown() }
    }
}
