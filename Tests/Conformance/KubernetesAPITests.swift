import CNISpec
import Foundation
import KubeAPIServerDouble
import Testing

/// The pod scenario against an API server (the double: TLS, HTTP/2, bearer
/// token), with the binary, the reference plugins and a real namespace.
@Suite(.enabled(if: Harness.canRun && FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"),
                "needs root, the reference plugins and openssl"))
struct KubernetesAPITests {
    struct Cluster {
        let sandbox: Sandbox
        let fixture: PodNetworksFixture
        let server: KubeAPIServerDouble
        let config: String
        var podPath: String { "/api/v1/namespaces/\(fixture.podNamespace)/pods/\(fixture.podName)" }
    }

    /// Starts the double with the fixture's pod and NADs; `body` runs the test.
    private func withCluster(annotations: [String: String]? = nil, _ body: (Cluster) async throws -> Void) async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let fixture = PodNetworksFixture(sandbox: sandbox)
        let pki = try KubeAPIServerDouble.makeTestPKI(in: sandbox.dir + "/pki")
        let server = try await KubeAPIServerDouble.start(pki: pki)
        _ = server.seed(fixture.pod(annotations: annotations))
        _ = server.seed(fixture.macvlanNAD)
        _ = server.seed(fixture.routedNAD)
        let kubeconfig = sandbox.dir + "/kubeconfig"
        try "test-token\n".write(toFile: sandbox.dir + "/token", atomically: true, encoding: .utf8)
        try server.writeKubeconfig(to: kubeconfig, credential: .tokenFile(sandbox.dir + "/token"))
        let config = sandbox.multusConfig([("delegates", [fixture.clusterNetwork]), ("kubeconfig", .string(kubeconfig))])
        do {
            try await body(Cluster(sandbox: sandbox, fixture: fixture, server: server, config: config))
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    @Test func podNetworksFromTheAPIServerWithOneReadPerObjectAndOneStatusWrite() async throws {
        try await withCluster { c in
            let add = try c.sandbox.cni("ADD", c.config, args: c.fixture.cniArgs)
            #expect(add.status == 0, "\(add.stdout)")
            #expect(try c.sandbox.interfaces() == ["data0", "eth0", "net2"])
            #expect(try c.sandbox.ipv4Addresses(of: "data0") == [c.fixture.staticIP])
            let routes = try Harness.ip("-n", c.sandbox.netnsName, "-4", "route", "show", "default")
            #expect(routes.split(separator: "\n").count == 1 && routes.contains("dev net2"), "\(routes)")

            let statusText = try #require(c.server.object(at: c.podPath)?["metadata"]?["annotations"]?["k8s.v1.cni.cncf.io/network-status"]?.stringValue)
            let status = try #require(try JSONValue(parsing: statusText).arrayValue)
            #expect(status.map { $0["name"] } == ["cluster", "apps/macvlan-static", "infra/routed"])
            #expect(status.map { $0["interface"] } == ["eth0", "data0", "net2"])
            #expect(status[1]["mac"]?.stringValue == c.fixture.staticMAC)

            // 1 pod read + 2 NAD reads + 1 status write (+ 3 events), on one connection.
            #expect(c.server.requestCount(method: "GET", pathPrefix: c.podPath) == 1)
            #expect(c.server.requestCount(method: "GET", pathPrefix: "/apis/k8s.cni.cncf.io/") == 2)
            #expect(c.server.requestCount(method: "PATCH", pathPrefix: c.podPath + "/status") == 1)
            #expect(c.server.requestCount(method: "POST", pathPrefix: "/api/v1/namespaces/apps/events") == 3)
            #expect(c.server.requests.count == 7)
            #expect(c.server.connectionCount == 1)

            // DEL needs no API server at all.
            await c.server.stop()
            let del = try c.sandbox.cni("DEL", c.config, args: c.fixture.cniArgs)
            #expect(del.status == 0, "\(del.stdout)")
            #expect(try c.sandbox.interfaces().isEmpty)
            #expect(c.sandbox.reservedAddresses().isEmpty)
            #expect(c.sandbox.cacheFiles().isEmpty)
        }
    }

    /// containerd DELs on every StopPodSandbox and again on RemovePodSandbox:
    /// the first DEL needs no request (the caches drive it), the later ones do nothing.
    @Test func delsMakeNoAPIRequestAndARepeatedDelRunsNothing() async throws {
        try await withCluster { c in
            #expect(try c.sandbox.cni("ADD", c.config, args: c.fixture.cniArgs).status == 0)
            c.server.resetCounters()
            for _ in 0..<3 {
                let del = try c.sandbox.cni("DEL", c.config, args: c.fixture.cniArgs)
                #expect(del.status == 0, "\(del.stdout)")
            }
            #expect(c.server.requests.isEmpty, "\(c.server.requests.map { "\($0.method) \($0.path)" })")
            #expect(c.server.connectionCount == 0)
            #expect(c.sandbox.reservedAddresses().isEmpty && c.sandbox.cacheFiles().isEmpty)
        }
    }

    @Test func unknownNADFailsPostsNoNetworkFoundAndLeavesNothing() async throws {
        try await withCluster(annotations: ["k8s.v1.cni.cncf.io/networks": "ghost"]) { c in
            let add = try c.sandbox.cni("ADD", c.config, args: c.fixture.cniArgs)
            #expect(add.status == 1)
            #expect(add.json?["msg"]?.stringValue?.contains("(ghost) in namespace (apps)") == true, "\(add.stdout)")
            let events = c.server.objects(in: "/api/v1/namespaces/apps/events")
            #expect(events.contains { $0["reason"] == "NoNetworkFound" })
            #expect(try c.sandbox.interfaces().isEmpty)
            #expect(c.sandbox.cacheFiles().isEmpty)
        }
    }

    @Test func failedStatusWriteRollsTheAddBack() async throws {
        try await withCluster { c in
            c.server.injectFault(.status(403), method: "PATCH", path: c.podPath + "/status", count: 100)
            c.server.injectFault(.status(403), method: "PUT", path: c.podPath + "/status", count: 100)
            let add = try c.sandbox.cni("ADD", c.config, args: c.fixture.cniArgs)
            #expect(add.status == 1)
            #expect(add.json?["msg"]?.stringValue?.contains("network-status") == true, "\(add.stdout)")
            #expect(try c.sandbox.interfaces().isEmpty)
            #expect(c.sandbox.reservedAddresses().isEmpty)
            #expect(c.sandbox.cacheFiles().isEmpty)
        }
    }

    @Test func podDeletedBeforeTheStatusWriteIsNotAnError() async throws {
        try await withCluster { c in
            c.server.injectFault(.status(404), method: "PATCH", path: c.podPath + "/status", count: 100)
            let add = try c.sandbox.cni("ADD", c.config, args: c.fixture.cniArgs)
            #expect(add.status == 0, "\(add.stdout)")
            #expect(try c.sandbox.cni("DEL", c.config, args: c.fixture.cniArgs).status == 0)
            #expect(c.sandbox.reservedAddresses().isEmpty)
        }
    }

    /// As Go Multus ≥ 4.2: a pod deleted before its sandbox got networks takes no address.
    @Test func podNotFoundGetsNoNetworkAndAnEmptyResult() async throws {
        try await withCluster { c in
            c.server.deleteObject(at: c.podPath)
            let add = try c.sandbox.cni("ADD", c.config, args: c.fixture.cniArgs)
            #expect(add.status == 0, "\(add.stdout)")
            #expect(add.json?["ips"]?.arrayValue?.first?["address"] == "0.0.0.0/0")
            #expect(try c.sandbox.interfaces().isEmpty)
            #expect(try c.sandbox.cni("DEL", c.config, args: c.fixture.cniArgs).status == 0)
            #expect(c.sandbox.reservedAddresses().isEmpty)
        }
    }

    @Test func delWithoutAnyCacheRebuildsFromThePod() async throws {
        try await withCluster { c in
            #expect(try c.sandbox.cni("ADD", c.config, args: c.fixture.cniArgs).status == 0)
            // Both caches lost (a wiped node disk, an upgrade from another multus).
            try FileManager.default.removeItem(atPath: c.sandbox.cniDir)
            let del = try c.sandbox.cni("DEL", c.config, args: c.fixture.cniArgs)
            #expect(del.status == 0, "\(del.stdout)")
            #expect(try c.sandbox.interfaces().isEmpty)
            #expect(c.sandbox.reservedAddresses().isEmpty)
        }
    }
}
