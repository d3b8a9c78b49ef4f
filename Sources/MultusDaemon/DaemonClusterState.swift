import CNISpec
import KubeAPI
import SystemSupport
import Synchronization

/// The pods of this node and every NAD, kept by the watch loops.
struct WatchCaches: Sendable {
    let pods: ObjectCache
    let nads: ObjectCache

    static let nadPath = "/apis/k8s.cni.cncf.io/v1/network-attachment-definitions"
    static let podPath = "/api/v1/pods"
}

/// The cluster as one request of the daemon sees it: pods and NADs from the
/// watch caches (a warm ADD reads nothing from the API server), everything
/// else — claims, slices, the network-status write and events — through a
/// pooled client, leased on first use and given back at `shutdown()`.
///
/// A pod not (yet) in the cache, or there with another UID than the runtime
/// passed (a StatefulSet pod recreated under its name), is waited for as Go's
/// daemon does (every 50 ms for 2.5 s), then read with one live GET. A NAD
/// the cache lacks is read live too: the watch may be a moment behind a NAD
/// created just before its pod.
final class DaemonClusterState: ClusterState {
    let caches: WatchCaches
    let clients: KubeClients
    let metrics: DaemonMetrics
    let expectedPodUID: String?
    let podWait: Duration
    let podPoll: Duration = .milliseconds(50)
    private let leased = Mutex<(state: APIServerClusterState, made: Duration)?>(nil)

    init(caches: WatchCaches, clients: KubeClients, metrics: DaemonMetrics, expectedPodUID: String?,
         podWait: Duration = .milliseconds(2500)) {
        self.caches = caches
        self.podWait = podWait
        self.clients = clients
        self.metrics = metrics
        self.expectedPodUID = expectedPodUID
    }

    private func live() throws(KubeError) -> APIServerClusterState {
        try leased.withLock { (current: inout (state: APIServerClusterState, made: Duration)?) throws(KubeError) -> APIServerClusterState in
            if let current { return current.state }
            let made = try clients.lease()
            current = (made.0, made.1)
            return made.0
        }
    }

    func pod(_ key: ObjectKey) throws(KubeError) -> Pod? {
        let clock = SystemTime()
        let deadline = clock.now + podWait
        while caches.pods.isSynced {
            if let cached = caches.pods.object(key) {
                let pod = Pod(json: cached)
                let isMirror = (pod.annotations["kubernetes.io/config.source"] ?? "api") != "api"
                if expectedPodUID == nil || expectedPodUID == pod.metadata.uid || isMirror {
                    metrics.cacheHit(resource: "pods")
                    return pod
                }
            }
            if clock.now >= deadline { break }
            clock.sleep(for: podPoll)
        }
        metrics.cacheMiss(resource: "pods")
        metrics.apiRequest(verb: "GET", resource: "pods")
        return try live().pod(key)
    }

    func networkAttachmentDefinitions(_ keys: [ObjectKey]) -> [Result<NetworkAttachmentDefinition?, KubeError>] {
        var results = [Result<NetworkAttachmentDefinition?, KubeError>?](repeating: nil, count: keys.count)
        var missing: [Int] = []
        for (index, key) in keys.enumerated() {
            if let cached = caches.nads.object(key) {
                metrics.cacheHit(resource: "network-attachment-definitions")
                results[index] = .success(NetworkAttachmentDefinition(json: cached))
            } else {
                missing.append(index)
            }
        }
        if !missing.isEmpty {
            for _ in missing {
                metrics.cacheMiss(resource: "network-attachment-definitions")
                metrics.apiRequest(verb: "GET", resource: "network-attachment-definitions")
            }
            let answers: [Result<NetworkAttachmentDefinition?, KubeError>]
            do { answers = try live().networkAttachmentDefinitions(missing.map { keys[$0] }) } catch {
                answers = Array(repeating: .failure(error), count: missing.count)
            }
            for (index, answer) in zip(missing, answers) { results[index] = answer }
        }
        return results.map { $0! }
    }

    func resourceClaims(_ keys: [ObjectKey]) -> [Result<ResourceClaim?, KubeError>] {
        guard !keys.isEmpty else { return [] }
        for _ in keys { metrics.apiRequest(verb: "GET", resource: "resourceclaims") }
        do { return try live().resourceClaims(keys) } catch { return Array(repeating: .failure(error), count: keys.count) }
    }

    func resourceSlices(nodeName: String, drivers: [String]) -> [Result<[ResourceSlice], KubeError>] {
        guard !drivers.isEmpty else { return [] }
        for _ in drivers { metrics.apiRequest(verb: "LIST", resource: "resourceslices") }
        do { return try live().resourceSlices(nodeName: nodeName, drivers: drivers) } catch {
            return Array(repeating: .failure(error), count: drivers.count)
        }
    }

    func write(_ writes: [ClusterWrite]) -> [Result<Void, KubeError>] {
        guard !writes.isEmpty else { return [] }
        for write in writes { metrics.apiRequest(verb: write.verb, resource: write.resource) }
        do { return try live().write(writes) } catch { return Array(repeating: .failure(error), count: writes.count) }
    }

    func shutdown() {
        if let taken = leased.withLock({ current -> (state: APIServerClusterState, made: Duration)? in
            defer { current = nil }
            return current
        }) {
            clients.giveBack(taken.state, made: taken.made)
        }
    }
}

extension ClusterWrite {
    var verb: String {
        switch self {
        case .networkStatus: "PATCH"
        case .event: "POST"
        case .claimDeviceStatus: "APPLY"
        }
    }
    var resource: String {
        switch self {
        case .networkStatus: "pods/status"
        case .event: "events"
        case .claimDeviceStatus: "resourceclaims/status"
        }
    }
}
