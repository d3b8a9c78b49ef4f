import CNISpec
import SystemSupport
import Synchronization

/// `ClusterState` read from and written to the API server through one
/// `KubeClient`: each batch of the protocol is one pipelined round on its
/// one connection.
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

    // MARK: reads (each batch pipelined on the client's one connection)

    package func pod(_ key: ObjectKey) throws(KubeError) -> Pod? {
        try Self.objectOrNil(client.perform([.get(Self.podPath(key))])[0]).get().map(Pod.init(json:))
    }

    package func networkAttachmentDefinitions(_ keys: [ObjectKey]) -> [Result<NetworkAttachmentDefinition?, KubeError>] {
        client.perform(keys.map { .get(Self.nadPath($0)) }).map { Self.objectOrNil($0).map { $0.map(NetworkAttachmentDefinition.init(json:)) } }
    }

    /// nil also when the server serves no resource.k8s.io version at all.
    package func resourceClaims(_ keys: [ObjectKey]) -> [Result<ResourceClaim?, KubeError>] {
        withResourceAPIVersion(keys.count, absent: nil) { index, version in
            .get(Self.resourceClaimPath(keys[index], version: version))
        } convert: { result, _ in
            Self.objectOrNil(result).map { $0.map(ResourceClaim.init(json:)) }
        }
    }

    /// Empty also when the server serves no resource.k8s.io version at all.
    package func resourceSlices(nodeName: String, drivers: [String]) -> [Result<[ResourceSlice], KubeError>] {
        withResourceAPIVersion(drivers.count, absent: []) { index, version in
            .get(KubeClient.listPath("/apis/resource.k8s.io/\(version)/resourceslices",
                                     fieldSelector: "spec.nodeName=\(nodeName),spec.driver=\(drivers[index])"))
        } convert: { result, version in
            result.flatMap { (json) -> Result<[ResourceSlice], KubeError> in
                Result { () throws(KubeError) in
                    // A LIST's items carry no apiVersion: the version they were served in goes on them.
                    try ListResult(json: json, what: "LIST resourceslices").items.map { item in
                        var item = item
                        if item["apiVersion"] == nil { item["apiVersion"] = .string("resource.k8s.io/\(version)") }
                        return ResourceSlice(json: item)
                    }
                }
            }
        }
    }

    /// A GET's answer, with 404 about the object (not the API) as nil.
    static func objectOrNil(_ result: Result<JSONValue, KubeError>) -> Result<JSONValue?, KubeError> {
        switch result {
        case .success(let json): .success(json)
        case .failure(let error) where error.isNotFound && !isMissingAPI(error): .success(nil)
        case .failure(let error): .failure(error)
        }
    }

    /// Sends the batch with the newest resource.k8s.io version the server
    /// serves, stepping down for the calls whose version is not served;
    /// `absent` for a server that serves none of them (a cluster without DRA).
    private func withResourceAPIVersion<T>(
        _ count: Int, absent: T, call: (Int, String) -> KubeClient.Call,
        convert: (Result<JSONValue, KubeError>, String) -> Result<T, KubeError>
    ) -> [Result<T, KubeError>] {
        let known = resourceAPIVersion.withLock { $0 }
        var results = [Result<T, KubeError>](repeating: .success(absent), count: count)
        var pending = Array(0..<count)
        for version in known.map({ [$0] }) ?? Self.resourceAPIVersions where !pending.isEmpty {
            let answers = client.perform(pending.map { call($0, version) })
            var missing: [Int] = []
            for (index, answer) in zip(pending, answers) {
                if case .failure(let error) = answer, Self.isMissingAPI(error) {
                    missing.append(index)
                    continue
                }
                if case .success = answer { resourceAPIVersion.withLock { $0 = version } }
                results[index] = convert(answer, version)
            }
            pending = missing
        }
        return results
    }

    /// A 404 about the URL itself (group or version not served), not about an object.
    static func isMissingAPI(_ error: KubeError) -> Bool {
        guard case .status(404, _, let message) = error else { return false }
        return ASCII.contains(message, "could not find the requested resource") || ASCII.contains(message, "404 page not found")
    }

    // MARK: writes

    /// network-status merge patches, claim status applies and events,
    /// pipelined together. A network-status patch the server refuses (403:
    /// RBAC grants update but not patch; 405/415: no merge patch here) falls
    /// back to GET + PUT, as Multus does; a claim status write whose
    /// resource.k8s.io version is not served steps down to the next one.
    package func write(_ writes: [ClusterWrite]) -> [Result<Void, KubeError>] {
        let now = WallClock.now()
        let known = resourceAPIVersion.withLock { $0 }
        var claimVersions: [Int: String] = [:]
        let calls: [KubeClient.Call] = writes.enumerated().map { index, write in
            var call: KubeClient.Call
            switch write {
            case .networkStatus(let pod, let value):
                call = .mergePatch(Self.podPath(pod) + "/status",
                                   ["metadata": ["annotations": [Self.networkStatusAnnotation: .string(value)]]])
            case .event(let event):
                call = .post("/api/v1/namespaces/\(URLEncoding.pathSegment(event.pod.namespace))/events",
                             Self.eventBody(event, at: now, sequence: index))
            case .claimDeviceStatus(let status):
                let version = status.apiVersion ?? known ?? Self.resourceAPIVersions[0]
                claimVersions[index] = version
                call = Self.claimStatusCall(status, version: version)
            }
            call.readsAnswer = false  // the object or event sent back is not needed
            return call
        }
        var results: [Result<Void, KubeError>] = zip(writes, client.perform(calls)).map { write, result in
            switch (write, result) {
            case (_, .success): return .success(())
            case (.networkStatus(let pod, let value), .failure(.status(let code, _, _))) where [403, 405, 415].contains(code):
                return Result { () throws(KubeError) in try updateNetworkStatus(pod: pod, value: value) }
            case (_, .failure(let error)): return .failure(error)
            }
        }
        stepDownClaimWrites(writes, &results, tried: claimVersions)
        return results
    }

    /// The status of a claim by server-side apply. A JSON merge patch (or a
    /// strategic merge patch: `devices` carries no patchStrategy) would
    /// replace the whole `status.devices` list, dropping the DRA driver's own
    /// entries; apply merges the list-map by its keys (driver, device, pool,
    /// shareID) and removes only what this field manager held and no longer
    /// applies. (Entries without `shareID` apply since Kubernetes 1.34, whose
    /// server-side apply accepts omitted optional list-map keys, kubernetes#133020;
    /// before 1.34 shareID was no key.) `force`: the interface name and addresses come from the
    /// plugin that configured the device, so they win over a value another
    /// manager (an earlier sandbox of the pod, a driver) wrote, instead of
    /// failing with 409.
    static func claimStatusCall(_ status: ClaimDeviceStatus, version: String) -> KubeClient.Call {
        .apply(resourceClaimPath(status.claim, version: version) + "/status", status.applyConfiguration(apiVersion: version),
               fieldManager: status.fieldManager, force: true)
    }

    /// Claim writes answered "version not served" are sent again with the next
    /// version, all of them in one round per step.
    private func stepDownClaimWrites(_ writes: [ClusterWrite], _ results: inout [Result<Void, KubeError>],
                                     tried: [Int: String]) {
        var tried = tried.mapValues { [$0] }
        while true {
            var next: [(index: Int, status: ClaimDeviceStatus, version: String)] = []
            for (index, versions) in tried {
                guard case .failure(let error) = results[index], Self.isMissingAPI(error),
                      case .claimDeviceStatus(let status) = writes[index],
                      let version = Self.resourceAPIVersions.first(where: { !versions.contains($0) }) else { continue }
                next.append((index, status, version))
            }
            if next.isEmpty { break }
            let answers = client.perform(next.map { item in
                var call = Self.claimStatusCall(item.status, version: item.version)
                call.readsAnswer = false
                return call
            })
            for (item, answer) in zip(next, answers) {
                tried[item.index, default: []].append(item.version)
                results[item.index] = answer.map { _ in () }
            }
        }
        for (index, versions) in tried {
            if case .success = results[index], let version = versions.last { resourceAPIVersion.withLock { $0 = version } }
        }
    }

    private func updateNetworkStatus(pod: ObjectKey, value: String) throws(KubeError) {
        let path = Self.podPath(pod) + "/status"
        var attempt = 0
        while true {
            attempt += 1
            var json = try client.get(Self.podPath(pod))
            guard case .object(var metadata) = json["metadata"] ?? [:] else {
                throw .decoding("GET \(Self.podPath(pod)): metadata is not an object")
            }
            var annotations = metadata["annotations"]?.objectValue ?? JSONObject()
            annotations[Self.networkStatusAnnotation] = .string(value)
            metadata["annotations"] = .object(annotations)
            json["metadata"] = .object(metadata)
            do {
                _ = try client.put(path, json)
                return
            } catch {
                // Someone else wrote the pod between our GET and PUT: read it again.
                guard error.isConflict, attempt < Self.maximumUpdateAttempts else { throw error }
            }
        }
    }

    /// A core/v1 Event as Multus records it. `sequence` keeps the names of the
    /// events of one batch apart (they share a timestamp).
    static func eventBody(_ event: PodEvent, at now: WallClock, sequence: Int) -> JSONValue {
        let timestamp = JSONValue.string(now.rfc3339UTC)
        return [
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": [
                "name": .string("\(event.pod.name).\(String(now.unixNanoseconds + UInt64(sequence), radix: 16))"),
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
    }

    package func shutdown() { client.shutdown() }
}
