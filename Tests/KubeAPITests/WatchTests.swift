import CNISpec
import Foundation
import KubeAPI
import KubeAPIServerDouble
import Testing

/// LIST + WATCH as the daemon's informers will use them, against the double's
/// implementation of the API server's watch contract.
@Suite struct WatchTests {
    static let pods = "/api/v1/pods"

    @Test func listThenWatchDeliversChangesAfterTheListsVersionAcrossNamespaces() async throws {
        try await withDouble { double, dir throws in
            double.seed(Manifests.pod("web-1", nodeName: "node-1"))
            double.seed(Manifests.pod("other-node", nodeName: "node-2"))
            try withClient(double, dir: dir) { client throws in
                let list = try client.listWithVersion(Self.pods, fieldSelector: "spec.nodeName=node-1")
                #expect(list.items.map { $0["metadata"]?["name"]?.stringValue } == ["web-1"])
                // Changes after the LIST, some on this node, one elsewhere.
                double.seed(Manifests.pod("web-2", namespace: "team-a", nodeName: "node-1"))
                double.seed(Manifests.pod("elsewhere", nodeName: "node-2"))
                double.updateObject(at: "/api/v1/namespaces/default/pods/web-1") { $0["metadata"]?["labels"] = ["a": "b"] }
                double.deleteObject(at: "/api/v1/namespaces/default/pods/web-1")
                var seen: [String] = []
                var lastVersion = ""
                try client.watch(Self.pods, resourceVersion: list.resourceVersion, fieldSelector: "spec.nodeName=node-1") { event in
                    seen.append("\(event.type) \(event.object["metadata"]?["name"]?.stringValue ?? "")")
                    lastVersion = event.resourceVersion ?? ""
                    return seen.count < 3
                }
                #expect(seen == ["ADDED web-2", "MODIFIED web-1", "DELETED web-1"])
                #expect(lastVersion == double.currentResourceVersion)
            }
            #expect(double.requests.last?.query["watch"] == "1")
            #expect(double.requests.last?.query["allowWatchBookmarks"] == "true")
        }
    }

    /// WatchList, as client-go's informers start: the current objects, a
    /// bookmark marking the end of the initial events, then live changes.
    @Test func sendInitialEventsEndsWithTheInitialEventsEndBookmark() async throws {
        try await withDouble { double, dir throws in
            double.seed(Manifests.pod("web-1", nodeName: "node-1"))
            try withClient(double, dir: dir) { client throws in
                var seen: [String] = []
                try client.watch(Self.pods + "?sendInitialEvents=true&resourceVersionMatch=NotOlderThan", resourceVersion: nil,
                                 fieldSelector: "spec.nodeName=node-1") { event in
                    let end = event.object["metadata"]?["annotations"]?["k8s.io/initial-events-end"] == "true"
                    seen.append("\(event.type) \(end ? "end" : event.object["metadata"]?["name"]?.stringValue ?? "")")
                    if end { double.seed(Manifests.pod("web-2", nodeName: "node-1")) }
                    return seen.count < 3
                }
                #expect(seen == ["ADDED web-1", "BOOKMARK end", "ADDED web-2"])
            }
        }
    }

    @Test func eventsWrittenAfterTheWatchStartedAreDeliveredWithBookmarks() async throws {
        try await withDouble { double, dir throws in
            let nads = "/apis/k8s.cni.cncf.io/v1/network-attachment-definitions"
            double.seed(Manifests.nad("before", config: "{}"))
            try withClient(double, dir: dir) { client throws in
                let version = try client.listWithVersion(nads).resourceVersion
                // Meanwhile, once the watch is open: a bookmark, then a create and an update.
                let writer = Thread {
                    while double.watchCount == 0 { usleep(5000) }
                    double.sendBookmarks()
                    double.seed(Manifests.nad("net-a", config: "{}"))
                    double.updateObject(at: nads.replacingOccurrences(of: "/network", with: "/namespaces/default/network") + "/net-a") {
                        $0["spec"]?["config"] = "{\"x\":1}"
                    }
                }
                writer.start()
                var seen: [String] = []
                try client.watch(nads, resourceVersion: version, idleTimeout: .seconds(20)) { event in
                    seen.append("\(event.type) \(event.object["metadata"]?["name"]?.stringValue ?? "-")")
                    if seen.count == 1 {
                        #expect(event.type == "BOOKMARK")
                        #expect(event.resourceVersion == version)
                    }
                    return seen.count < 3
                }
                #expect(seen == ["BOOKMARK -", "ADDED net-a", "MODIFIED net-a"])
            }
        }
    }

    @Test func watchWithoutVersionStartsWithTheCurrentObjectsAndEndsWithTimeoutSeconds() async throws {
        try await withDouble { double, dir throws in
            double.seed(Manifests.pod("web-1"))
            double.seed(Manifests.pod("web-2"))
            try withClient(double, dir: dir) { client throws in
                var seen: [String] = []
                try client.watch(Self.pods, resourceVersion: nil, timeoutSeconds: 1) { event in
                    seen.append("\(event.type) \(event.object["metadata"]?["name"]?.stringValue ?? "")")
                    return true
                }
                #expect(seen == ["ADDED web-1", "ADDED web-2"])
            }
            #expect(double.watchCount == 0)
        }
    }

    @Test func tooOldResourceVersionIsGone() async throws {
        try await withDouble { double, dir throws in
            double.seed(Manifests.pod("web-1"))
            try withClient(double, dir: dir) { client throws in
                let old = try client.listWithVersion(Self.pods).resourceVersion
                double.seed(Manifests.pod("web-2"))
                double.compact()
                do {
                    try client.watch(Self.pods, resourceVersion: old) { _ in true }
                    Issue.record("expected 410")
                } catch let error as KubeError {
                    #expect(error.isGone)
                    guard case .status(410, "Expired", let message) = error else { Issue.record("\(error)"); return }
                    #expect(message.hasPrefix("too old resource version: \(old)"))
                }
                // LIST again and watch from there: fine.
                let fresh = try client.listWithVersion(Self.pods)
                #expect(fresh.items.count == 2)
                try client.watch(Self.pods, resourceVersion: fresh.resourceVersion, timeoutSeconds: 1) { _ in
                    Issue.record("no change expected")
                    return true
                }
            }
        }
    }

    @Test func aFieldSelectorTheServerDoesNotSupportIs400() async throws {
        try await withDouble { double, dir throws in
            try withClient(double, dir: dir) { client throws in
                #expect(throws: KubeError.status(code: 400, reason: "BadRequest", message: "field label not supported: spec.bogus")) {
                    try client.watch(Self.pods, resourceVersion: nil, fieldSelector: "spec.bogus=x") { _ in true }
                }
            }
        }
    }

    @Test func idleStreamTimesOut() async throws {
        try await withDouble { double, dir throws in
            try withClient(double, dir: dir) { client throws in
                let message = transportMessage {
                    try client.watch(Self.pods, resourceVersion: double.currentResourceVersion,
                                     idleTimeout: .milliseconds(200)) { _ in true }
                }
                #expect(message?.hasSuffix("\(double.serverURL) did not answer in time") == true)
            }
        }
    }
}
