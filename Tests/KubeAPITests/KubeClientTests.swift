import CNISpec
import Foundation
import KubeAPI
import KubeAPIServerDouble
import class TestSupport.FakeTime
import Testing

/// The client against the API server double, over real TLS on loopback.
/// Waits between retries go to a fake clock: nothing here sleeps for real.
@Suite struct KubeClientTests {
    static let podPath = "/api/v1/namespaces/default/pods/web-1"

    @Test func getReturnsTheObjectOverHTTP1WithHeaders() async throws {
        try await withDouble { double, dir throws in
            double.seed(Manifests.pod("web-1"))
            try withClient(double, dir: dir) { client throws in
                let pod = try client.get(Self.podPath)
                _ = try client.get(Self.podPath)
                #expect(pod["metadata"]?["name"]?.stringValue == "web-1")
                #expect(pod["metadata"]?["resourceVersion"]?.stringValue?.isEmpty == false)
            }
            let requests = double.requests
            #expect(requests.map(\.httpVersion) == ["HTTP/1.1", "HTTP/1.1"])
            #expect(requests.first?.userAgent == "multus-swift")
            #expect(requests.allSatisfy { $0.authenticated })
            #expect(double.connectionCount == 1)  // kept alive
        }
    }

    @Test func notFoundDecodesTheStatusBody() async throws {
        try await withDouble { double, dir throws in
            try withClient(double, dir: dir) { client throws in
                #expect(throws: KubeError.status(code: 404, reason: "NotFound", message: "pods \"missing\" not found")) {
                    try client.get("/api/v1/namespaces/default/pods/missing")
                }
            }
            #expect(double.requestCount(pathPrefix: "/api/v1/namespaces/default/pods/missing") == 1)
        }
    }

    @Test func nonRetriedStatusesComeBackAtOnce() async throws {
        let time = FakeTime()
        try await withDouble { double, dir throws in
            double.seed(Manifests.pod("web-1"))
            double.injectFault(.status(403), path: Self.podPath)
            try withClient(double, dir: dir, options: Fixture.options(time)) { client throws in
                #expect(throws: KubeError.status(
                    code: 403, reason: "Forbidden", message: "injected fault 403 on GET \(Self.podPath)")) {
                    try client.get(Self.podPath)
                }
            }
            #expect(double.requestCount(pathPrefix: Self.podPath) == 1)
        }
        #expect(time.slept.isEmpty)
    }

    @Test func wrongTokenIs401AndNotRetried() async throws {
        try await withDouble { double, dir throws in
            double.seed(Manifests.pod("web-1"))
            try withClient(double, dir: dir, credential: .token("wrong-token")) { client throws in
                #expect(throws: KubeError.status(code: 401, reason: "Unauthorized", message: "Unauthorized")) {
                    try client.get(Self.podPath)
                }
            }
            #expect(double.requestCount(pathPrefix: Self.podPath) == 1)
            #expect(double.requests.first?.authenticated == false)
        }
    }

    @Test func retriesOn503And500WithGrowingBackoffOnOneConnection() async throws {
        let time = FakeTime()
        try await withDouble { double, dir throws in
            double.seed(Manifests.pod("web-1"))
            double.injectFault(.status(503), path: Self.podPath, count: 2)
            double.injectFault(.status(500), path: Self.podPath, count: 1)
            try withClient(double, dir: dir, options: Fixture.options(time)) { client throws in
                #expect(try client.get(Self.podPath)["metadata"]?["name"]?.stringValue == "web-1")
            }
            #expect(double.requestCount(method: "GET", pathPrefix: Self.podPath) == 4)
            #expect(double.connectionCount == 1)
        }
        #expect(time.slept == [.milliseconds(100), .milliseconds(200), .milliseconds(400)])
    }

    @Test func tooManyRequestsHonoursRetryAfter() async throws {
        let time = FakeTime()
        try await withDouble { double, dir throws in
            double.seed(Manifests.pod("web-1"))
            double.injectFault(.tooManyRequests(retryAfterSeconds: 2), path: Self.podPath)
            try withClient(double, dir: dir, options: Fixture.options(time)) { client throws in
                _ = try client.get(Self.podPath)
            }
            #expect(double.requestCount(pathPrefix: Self.podPath) == 2)
        }
        #expect(time.slept == [.seconds(2)])
    }

    @Test func retryAfterBeyondTheBudgetFailsAtOnce() async throws {
        let time = FakeTime()
        try await withDouble { double, dir throws in
            double.injectFault(.tooManyRequests(retryAfterSeconds: 30), path: Self.podPath)
            try withClient(double, dir: dir, options: Fixture.options(time)) { client throws in
                #expect(throws: KubeError.self) { try client.get(Self.podPath) }
            }
        }
        #expect(time.slept.isEmpty)
    }

    @Test func retriesAreBoundedByTheBudget() async throws {
        let time = FakeTime()
        try await withDouble { double, dir throws in
            double.injectFault(.status(500), path: Self.podPath, count: 10_000)
            var options = Fixture.options(time, retryBudget: .seconds(3))
            options.initialBackoff = .milliseconds(50)
            options.maximumBackoff = .milliseconds(400)
            try withClient(double, dir: dir, options: options) { client throws in
                #expect {
                    try client.get(Self.podPath)
                } throws: { error in
                    guard case .status(500, "InternalError", _) = error as? KubeError else { return false }
                    return true
                }
            }
            // 50, 100, 200, 400 × 5, then the rest of the budget (250 ms): 3 s in all.
            #expect(time.slept.reduce(.zero, +) == .seconds(3))
            #expect(time.slept.count == 10)
            #expect(double.requestCount(pathPrefix: Self.podPath) == 11)
        }
    }

    @Test func jitterAddsUpToAQuarter() async throws {
        let time = FakeTime()
        try await withDouble { double, dir throws in
            double.seed(Manifests.pod("web-1"))
            double.injectFault(.status(503), path: Self.podPath, count: 3)
            var options = Fixture.options(time)
            options.jitter = 0.25
            try withClient(double, dir: dir, options: options) { client in _ = try client.get(Self.podPath) }
        }
        for (sleep, base) in zip(time.slept, [100, 200, 400]) {
            #expect(sleep >= .milliseconds(base) && sleep < .milliseconds(base * 5 / 4))
        }
    }

    @Test func defaultsAreFiveSecondsOfRetriesAndTenPerAttempt() {
        let options = KubeClient.Options()
        #expect(options.retryBudget == .seconds(5))
        #expect(options.requestTimeout == .seconds(10))
        #expect(options.maximumResponseBytes == 64 << 20)
    }

    @Test func refusedConnectionsAreRetriedUntilTheServerIsBack() async throws {
        try await withDouble { double, dir throws in
            double.seed(Manifests.pod("web-1"))
            waitFor { await double.stop() }
            // The second backoff wait is when the server comes back.
            let time = FakeTime { count in if count == 2 { waitFor { try await double.restart() } } }
            try withClient(double, dir: dir, options: Fixture.options(time)) { client throws in
                #expect(try client.get(Self.podPath)["metadata"]?["name"]?.stringValue == "web-1")
            }
            #expect(time.slept.count == 2)
        }
    }

    @Test func stoppedServerFailsWithinTheBudgetNamingTheAttempts() async throws {
        let time = FakeTime()
        try await withDouble { double, dir throws in
            waitFor { await double.stop() }
            try withClient(double, dir: dir, options: Fixture.options(time, retryBudget: .seconds(1))) { client throws in
                let message = transportMessage { _ = try client.get(Self.podPath) }
                #expect(message?.hasPrefix("GET \(Self.podPath): connection to \(double.serverURL) refused (gave up after ") == true)
            }
        }
        #expect(time.slept.reduce(.zero, +) <= .seconds(1))
    }

    @Test func droppedConnectionIsResentOnceAtOnce() async throws {
        let time = FakeTime()
        try await withDouble { double, dir throws in
            double.seed(Manifests.pod("web-1"))
            double.injectFault(.dropConnection, path: Self.podPath)
            try withClient(double, dir: dir, options: Fixture.options(time)) { client throws in
                #expect(try client.get(Self.podPath)["metadata"]?["name"]?.stringValue == "web-1")
            }
            #expect(double.requestCount(pathPrefix: Self.podPath) == 2)
            #expect(double.connectionCount == 2)
        }
        #expect(time.slept.isEmpty)  // a broken connection is resent without waiting
    }

    @Test func listURLEncodesTheFieldSelectorAndReturnsTheResourceVersion() async throws {
        try await withDouble { double, dir throws in
            double.seed(Manifests.resourceSlice("s1", node: "node-1", driver: "sriov.example.com"))
            double.seed(Manifests.resourceSlice("s2", node: "node-2", driver: "sriov.example.com"))
            double.seed(Manifests.resourceSlice("s3", node: "node-1", driver: "gpu.example.com"))
            try withClient(double, dir: dir) { client throws in
                let list = try client.listWithVersion(
                    "/apis/resource.k8s.io/v1/resourceslices", fieldSelector: "spec.nodeName=node-1,spec.driver=sriov.example.com")
                #expect(list.items.compactMap { $0["metadata"]?["name"]?.stringValue } == ["s1"])
                #expect(list.resourceVersion == double.currentResourceVersion)
            }
            #expect(double.requests.last?.query["fieldSelector"] == "spec.nodeName=node-1,spec.driver=sriov.example.com")
        }
    }

    @Test func writesSendJSONWithTheRightContentTypes() async throws {
        try await withDouble { double, dir throws in
            double.seed(Manifests.pod("web-1"))
            try withClient(double, dir: dir) { client throws in
                let patched = try client.patch(Self.podPath, mergePatch: ["metadata": ["labels": ["a": "b"]]])
                #expect(patched["metadata"]?["labels"]?["a"]?.stringValue == "b")
                var pod = try client.get(Self.podPath)
                pod["metadata"]?["labels"] = ["a": "c"]
                let updated = try client.put(Self.podPath, pod)
                #expect(updated["metadata"]?["labels"]?["a"]?.stringValue == "c")
                // A PUT with the stale resourceVersion conflicts.
                #expect(throws: KubeError.self) { try client.put(Self.podPath, pod) }
                let created = try client.post(
                    "/api/v1/namespaces/default/events",
                    ["apiVersion": "v1", "kind": "Event", "metadata": ["name": "e1"], "reason": "Test"])
                #expect(created["metadata"]?["uid"] != nil)
            }
            let types = double.requests.map { "\($0.method) \($0.contentType ?? "-")" }
            #expect(types == [
                "PATCH application/merge-patch+json", "GET -", "PUT application/json", "PUT application/json",
                "POST application/json",
            ])
        }
    }

    @Test func oversizeResponseFailsClearlyAndTheRestOfTheBatchIsAnswered() async throws {
        try await withDouble { double, dir throws in
            var big = Manifests.pod("web-1")
            big["metadata"]?["annotations"] = ["filler": .string(String(repeating: "x", count: 4096))]
            double.seed(big)
            double.seed(Manifests.pod("small"))
            var options = Fixture.options()
            options.maximumResponseBytes = 2048
            try withClient(double, dir: dir, options: options) { client throws in
                let results = client.perform([.get(Self.podPath), .get("/api/v1/namespaces/default/pods/small")])
                let message = transportMessage { _ = try results[0].get() }
                #expect(message == "GET \(Self.podPath): the answer from \(double.serverURL) is larger than 2048 bytes; refusing to read it")
                #expect(try results[1].get()["metadata"]?["name"]?.stringValue == "small")
            }
        }
    }

    @Test func chunkedResponsesAreDecoded() async throws {
        try await withDouble { double, dir throws in
            double.seed(Manifests.pod("web-1"))
            double.seed(Manifests.pod("web-2"))
            double.setChunkedResponses(true)
            try withClient(double, dir: dir) { client throws in
                let results = client.perform([.get(Self.podPath), .get("/api/v1/namespaces/default/pods/web-2")])
                #expect(try results.map { try $0.get()["metadata"]?["name"]?.stringValue } == ["web-1", "web-2"])
            }
            #expect(double.connectionCount == 1)
        }
    }

    @Test func plainHTTPServer() async throws {
        try await withDouble(plainHTTP: true) { double, _ throws in
            double.seed(Manifests.pod("web-1"))
            let client = try KubeClient(config: KubeClientConfig(server: double.serverURL, bearerToken: "test-token"),
                                        options: Fixture.options())
            defer { client.shutdown() }
            #expect(try client.get(Self.podPath)["metadata"]?["name"]?.stringValue == "web-1")
        }
    }
}
