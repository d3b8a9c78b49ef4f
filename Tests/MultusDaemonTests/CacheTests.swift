import CNISpec
import KubeAPI
import KubeAPIServerDouble
import Logging
import SystemSupport
import MultusInstall
import TestSupport
import Testing
@testable import MultusDaemon
#if canImport(Glibc)
import Glibc
#endif

enum Manifest {
    static func pod(_ name: String, node: String, uid: String? = nil, networks: String? = nil) -> JSONValue {
        var metadata = JSONObject([("name", .string(name)), ("namespace", "apps")])
        if let uid { metadata["uid"] = .string(uid) }
        if let networks { metadata["annotations"] = ["k8s.v1.cni.cncf.io/networks": .string(networks)] }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata), "spec": ["nodeName": .string(node)]]
    }

    static func nad(_ name: String) -> JSONValue {
        ["apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
         "metadata": ["name": .string(name), "namespace": "apps"], "spec": ["config": #"{"type":"bridge"}"#]]
    }
}

/// A started double, a kubeconfig for it, the daemon's clients; work off the async pool.
func withCluster(_ body: @escaping @Sendable (KubeAPIServerDouble, KubeClients, StopFlag) throws -> Void) async throws {
    let dir = TemporaryDirectory()
    defer { dir.remove() }
    let pki = try KubeAPIServerDouble.makeTestPKI(in: dir.file("pki"))
    let double = try await KubeAPIServerDouble.start(pki: pki)
    try double.writeKubeconfig(to: dir.file("kubeconfig"), credential: .token("test-token"))
    let clients = KubeClients(kubeconfigPath: dir.file("kubeconfig"))
    let stop = StopFlag()
    let result: Result<Void, any Error> = await withCheckedContinuation { continuation in
        Threads.detach { continuation.resume(returning: Result { try body(double, clients, stop) }) }
    }
    stop.stop()
    await double.shutdown()
    try result.get()
}

func eventually(_ seconds: Double = 5, _ condition: () -> Bool) -> Bool {
    let clock = SystemTime()
    let deadline = clock.now + .milliseconds(Int(seconds * 1000))
    while clock.now < deadline {
        if condition() { return true }
        clock.sleep(for: .milliseconds(10))
    }
    return condition()
}

@Suite(.serialized) struct InformerTests {
    @Test func listsThenFollowsTheWatchScopedToTheNode() async throws {
        try await withCluster { double, clients, stop throws in
            double.seed(Manifest.pod("here", node: "node-1"))
            double.seed(Manifest.pod("there", node: "node-2"))
            let cache = ObjectCache(resource: "pods")
            let informer = Informer(cache: cache, path: WatchCaches.podPath, fieldSelector: "spec.nodeName=node-1",
                                    trim: PlanningFields.pod, clients: clients, metrics: DaemonMetrics(), logger: Logger(label: "t"),
                                    stop: stop)
            Threads.detach { informer.run() }
            #expect(eventually { cache.isSynced })
            #expect(cache.count == 1)
            #expect(cache.object(ObjectKey(namespace: "apps", name: "here")) != nil)
            double.seed(Manifest.pod("new", node: "node-1", networks: "a"))
            double.seed(Manifest.pod("elsewhere", node: "node-2"))
            #expect(eventually { cache.count == 2 })
            #expect(cache.object(ObjectKey(namespace: "apps", name: "new"))?["metadata"]?["annotations"]?["k8s.v1.cni.cncf.io/networks"] == "a")
            double.deleteObject(at: "/api/v1/namespaces/apps/pods/here")
            #expect(eventually { cache.count == 1 })
            let lists = double.requests.filter { $0.path == WatchCaches.podPath && $0.query["watch"] == nil }
            #expect(lists.count == 1)
            #expect(lists.first?.query["fieldSelector"] == "spec.nodeName=node-1")
        }
    }

    /// The server ends the stream; after a compaction the next WATCH gets 410
    /// Gone, and the informer lists again, seeing what changed meanwhile.
    @Test func relistsAfterGone() async throws {
        try await withCluster { double, clients, stop throws in
            double.seed(Manifest.nad("one"))
            let cache = ObjectCache(resource: "network-attachment-definitions")
            let metrics = DaemonMetrics()
            let informer = Informer(cache: cache, path: WatchCaches.nadPath, fieldSelector: nil, trim: PlanningFields.nad,
                                    clients: clients, metrics: metrics, logger: Logger(label: "t"), stop: stop)
            Threads.detach { informer.run() }
            #expect(eventually { cache.isSynced && double.watchCount == 1 })
            double.injectFault(.status(410), method: "GET", path: WatchCaches.nadPath)
            double.endWatches()
            double.seed(Manifest.nad("two"))
            #expect(eventually { cache.count == 2 })
            #expect(eventually { double.watchCount == 1 })
            let text = String(decoding: metrics.exposition(), as: UTF8.self)
            #expect(text.contains("multus_cache_relists_total{resource=\"network-attachment-definitions\"} 1"), "\(text)")
        }
    }
}

@Suite(.serialized) struct DaemonClusterStateTests {
    func caches(_ double: KubeAPIServerDouble, _ clients: KubeClients, _ stop: StopFlag) -> WatchCaches {
        let caches = WatchCaches(pods: ObjectCache(resource: "pods"), nads: ObjectCache(resource: "network-attachment-definitions"))
        for (cache, path, trim) in [(caches.pods, WatchCaches.podPath, PlanningFields.pod), (caches.nads, WatchCaches.nadPath, PlanningFields.nad)] {
            let informer = Informer(cache: cache, path: path, fieldSelector: nil, trim: trim, clients: clients,
                                    metrics: DaemonMetrics(), logger: Logger(label: "t"), stop: stop)
            Threads.detach { informer.run() }
        }
        _ = eventually { caches.pods.isSynced && caches.nads.isSynced }
        return caches
    }

    @Test func aWarmReadAsksNothingAndAMissWaitsThenReadsLive() async throws {
        try await withCluster { double, clients, stop throws in
            double.seed(Manifest.pod("web", node: "node-1", uid: "u1"))
            double.seed(Manifest.nad("net"))
            let caches = caches(double, clients, stop)
            double.resetCounters()
            let state = DaemonClusterState(caches: caches, clients: clients, metrics: DaemonMetrics(), expectedPodUID: "u1",
                                           podWait: .milliseconds(300))
            defer { state.shutdown() }
            #expect(try state.pod(ObjectKey(namespace: "apps", name: "web"))?.metadata.uid == "u1")
            #expect(try state.networkAttachmentDefinition(ObjectKey(namespace: "apps", name: "net")) != nil)
            #expect(double.requests.filter { $0.query["watch"] == nil }.isEmpty)

            // Absent: waited for, then one live GET (404 → nil).
            let clock = SystemTime()
            let started = clock.now
            #expect(try state.pod(ObjectKey(namespace: "apps", name: "gone")) == nil)
            #expect(clock.now - started >= .milliseconds(300))
            #expect(double.requests.filter { $0.query["watch"] == nil }.map(\.path) == ["/api/v1/namespaces/apps/pods/gone"])
            // A NAD the cache lacks is read live.
            #expect(try state.networkAttachmentDefinition(ObjectKey(namespace: "apps", name: "nope")) == nil)
            #expect(double.requests.filter { $0.query["watch"] == nil }.count == 2)
        }
    }

    /// A pod recreated under its name (StatefulSet): the cached one has the old
    /// UID, so the request waits for the new one rather than failing.
    @Test func aCachedPodWithAnotherUIDIsWaitedFor() async throws {
        try await withCluster { double, clients, stop throws in
            double.seed(Manifest.pod("db-0", node: "node-1", uid: "old"))
            let caches = caches(double, clients, stop)
            let state = DaemonClusterState(caches: caches, clients: clients, metrics: DaemonMetrics(), expectedPodUID: "new")
            defer { state.shutdown() }
            Threads.detach {
                SystemTime().sleep(for: .milliseconds(200))
                double.updateObject(at: "/api/v1/namespaces/apps/pods/db-0") { $0["metadata"]?["uid"] = "new" }
            }
            double.resetCounters()
            #expect(try state.pod(ObjectKey(namespace: "apps", name: "db-0"))?.metadata.uid == "new")
            #expect(double.requests.filter { $0.query["watch"] == nil }.isEmpty)
        }
    }
}
