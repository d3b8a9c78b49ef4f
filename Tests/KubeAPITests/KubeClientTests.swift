import CNISpec
import Foundation
import KubeAPI
import KubeAPIServerDouble
import Testing

/// The client against the API server double, over real TLS on loopback.
@Suite struct KubeClientTests {
    static let podPath = "/api/v1/namespaces/default/pods/web-1"

    @Test func getReturnsTheObjectOverHTTP2() async throws {
        try await withDouble { double, dir in
            double.seed(Manifests.pod("web-1"))
            let path = dir + "/kubeconfig"
            try double.writeKubeconfig(to: path)
            let clock = ContinuousClock()
            let start = clock.now
            let config = try Kubeconfig.load(path: path)
            let loaded = clock.now
            let client = try KubeClient(config: config, options: Fixture.fastOptions)
            let created = clock.now
            let pod = try await client.get(Self.podPath)
            let firstGET = clock.now
            _ = try await client.get(Self.podPath)
            let secondGET = clock.now
            await client.shutdown()
            print("measure: kubeconfig load \(start.duration(to: loaded).milliseconds) ms, client init "
                + "\(loaded.duration(to: created).milliseconds) ms, first GET (TCP + TLS + h2) "
                + "\(created.duration(to: firstGET).milliseconds) ms, total to first answer "
                + "\(start.duration(to: firstGET).milliseconds) ms; second GET \(firstGET.duration(to: secondGET).milliseconds) ms")

            #expect(pod["metadata"]?["name"]?.stringValue == "web-1")
            #expect(pod["metadata"]?["resourceVersion"]?.stringValue?.isEmpty == false)
            let requests = double.requests
            #expect(requests.map(\.httpVersion) == ["HTTP/2.0", "HTTP/2.0"])
            #expect(requests.first?.userAgent == "multus-swift")
            #expect(double.connectionCount == 1)
        }
    }

    @Test func notFoundDecodesTheStatusBody() async throws {
        try await withDouble { double, dir in
            try await withClient(double, dir: dir) { client in
                do {
                    _ = try await client.get("/api/v1/namespaces/default/pods/missing")
                    Issue.record("expected 404")
                } catch let error as KubeError {
                    #expect(error == .status(code: 404, reason: "NotFound", message: "pods \"missing\" not found"))
                    #expect(error.isNotFound)
                }
                #expect(double.requestCount(pathPrefix: "/api/v1/namespaces/default/pods/missing") == 1)
            }
        }
    }

    @Test func nonRetriedStatusesComeBackAtOnce() async throws {
        try await withDouble { double, dir in
            double.seed(Manifests.pod("web-1"))
            double.injectFault(.status(403), path: Self.podPath)
            try await withClient(double, dir: dir) { client in
                await #expect(throws: KubeError.status(
                    code: 403, reason: "Forbidden", message: "injected fault 403 on GET \(Self.podPath)")) {
                    try await client.get(Self.podPath)
                }
                #expect(double.requestCount(pathPrefix: Self.podPath) == 1)
            }
        }
    }

    @Test func wrongTokenIs401AndNotRetried() async throws {
        try await withDouble { double, dir in
            double.seed(Manifests.pod("web-1"))
            try await withClient(double, dir: dir, credential: .token("wrong-token")) { client in
                await #expect(throws: KubeError.status(code: 401, reason: "Unauthorized", message: "Unauthorized")) {
                    try await client.get(Self.podPath)
                }
            }
            #expect(double.requestCount(pathPrefix: Self.podPath) == 1)
            #expect(double.requests.first?.authenticated == false)
        }
    }

    @Test func retriesOn503ThenSucceeds() async throws {
        try await withDouble { double, dir in
            double.seed(Manifests.pod("web-1"))
            double.injectFault(.status(503), path: Self.podPath, count: 2)
            double.injectFault(.status(500), path: Self.podPath, count: 1)
            try await withClient(double, dir: dir) { client in
                let pod = try await client.get(Self.podPath)
                #expect(pod["metadata"]?["name"]?.stringValue == "web-1")
            }
            #expect(double.requestCount(method: "GET", pathPrefix: Self.podPath) == 4)
            #expect(double.connectionCount == 1)
        }
    }

    @Test func tooManyRequestsHonoursRetryAfter() async throws {
        try await withDouble { double, dir in
            double.seed(Manifests.pod("web-1"))
            double.injectFault(.tooManyRequests(retryAfterSeconds: 1), path: Self.podPath)
            try await withClient(double, dir: dir) { client in
                let clock = ContinuousClock()
                let start = clock.now
                _ = try await client.get(Self.podPath)
                let elapsed = start.duration(to: clock.now)
                #expect(elapsed >= .seconds(1))
                #expect(elapsed < .seconds(8))  // bounded; generous for a loaded machine
            }
            #expect(double.requestCount(pathPrefix: Self.podPath) == 2)
        }
    }

    @Test func retryAfterBeyondTheBudgetFailsAtOnce() async throws {
        try await withDouble { double, dir in
            double.injectFault(.tooManyRequests(retryAfterSeconds: 30), path: Self.podPath)
            try await withClient(double, dir: dir) { client in
                let clock = ContinuousClock()
                let start = clock.now
                await #expect(throws: KubeError.self) { try await client.get(Self.podPath) }
                #expect(start.duration(to: clock.now) < .seconds(8))  // not 30 s
            }
        }
    }

    @Test func retriesAreBoundedByTheBudget() async throws {
        try await withDouble { double, dir in
            double.injectFault(.status(500), path: Self.podPath, count: 10_000)
            let options = KubeClient.Options(retryBudget: .seconds(3), initialBackoff: .milliseconds(50),
                                             maximumBackoff: .milliseconds(400))
            try await withClient(double, dir: dir, options: options) { client in
                let clock = ContinuousClock()
                let start = clock.now
                do {
                    _ = try await client.get(Self.podPath)
                    Issue.record("expected a failure")
                } catch let error as KubeError {
                    guard case .status(500, "InternalError", _) = error else {
                        Issue.record("unexpected \(error)")
                        return
                    }
                }
                let elapsed = start.duration(to: clock.now)
                print("measure: always-500 with a 3 s budget gave up after \(elapsed.milliseconds) ms, "
                    + "\(double.requestCount(pathPrefix: Self.podPath)) attempts")
                // The budget, plus the one attempt that may be in flight when it runs out
                // (generous: the test machine may be busy).
                #expect(elapsed >= .milliseconds(2900))
                #expect(elapsed < .seconds(15))  // bounded; generous for a loaded machine
                #expect(double.requestCount(pathPrefix: Self.podPath) >= 2)
            }
        }
    }

    @Test func defaultBudgetIsAboutFiveSeconds() {
        let options = KubeClient.Options()
        #expect(options.retryBudget == .seconds(5))
        #expect(options.requestTimeout == .seconds(10))
    }

    @Test func concurrentReadsOfThreeNADsShareOneConnection() async throws {
        try await withDouble { double, dir in
            for name in ["net-a", "net-b", "net-c"] {
                double.seed(Manifests.nad(name, config: #"{"cniVersion":"1.0.0","type":"macvlan"}"#))
            }
            try await withClusterState(double, dir: dir) { cluster in
                let nads = try cluster.networkAttachmentDefinitions(["net-a", "net-b", "net-c"].map {
                    ObjectKey(namespace: "default", name: $0)
                }).map { try $0.get() }
                #expect(nads.map { $0?.metadata.name } == ["net-a", "net-b", "net-c"])
                #expect(nads.allSatisfy { $0?.config.contains("macvlan") == true })
            }
            print("measure: 3 concurrent NAD GETs used \(double.connectionCount) TCP connection(s), "
                + "versions \(Set(double.requests.map(\.httpVersion)))")
            #expect(double.connectionCount == 1)
            #expect(double.requests.allSatisfy { $0.httpVersion == "HTTP/2.0" })
        }
    }

    @Test func http1OnlyServerGetsConcurrentReadsOnOneKeptAliveConnection() async throws {
        try await withDouble(http2: false) { double, dir in
            for name in ["net-a", "net-b", "net-c"] {
                double.seed(Manifests.nad(name, config: #"{"cniVersion":"1.0.0","type":"macvlan"}"#))
            }
            try await withClusterState(double, dir: dir) { cluster in
                let nads = try cluster.networkAttachmentDefinitions(["net-a", "net-b", "net-c"].map {
                    ObjectKey(namespace: "default", name: $0)
                }).map { try $0.get() }
                #expect(nads.allSatisfy { $0 != nil })
            }
            #expect(double.connectionCount == 1)
            #expect(double.requests.map(\.httpVersion) == ["HTTP/1.1", "HTTP/1.1", "HTTP/1.1"])
        }
    }

    @Test func clientCertificateAuthentication() async throws {
        try await withDouble { double, dir in
            double.seed(Manifests.pod("web-1"))
            double.setTokens([])
            for inline in [true, false] {
                try await withClient(double, dir: dir, credential: .clientCertificate(inline: inline)) { client in
                    let pod = try await client.get(Self.podPath)
                    #expect(pod["metadata"]?["name"]?.stringValue == "web-1")
                }
            }
            // The same server turns away a client without a certificate or token.
            try await withClient(double, dir: dir, credential: .none) { client in
                await #expect(throws: KubeError.status(code: 401, reason: "Unauthorized", message: "Unauthorized")) {
                    try await client.get(Self.podPath)
                }
            }
        }
    }

    @Test func certificateAuthorityMismatchFailsClearlyWithoutRetrying() async throws {
        try await withDouble(pki: Fixture.otherPKI) { double, dir in
            // The kubeconfig trusts Fixture.pki's CA; the server shows otherPKI's certificate.
            let path = dir + "/kubeconfig"
            try double.writeKubeconfig(to: path)
            var config = try Kubeconfig.load(path: path)
            config.certificateAuthorityPEM = Fixture.pki.caCertificatePEM
            let client = try KubeClient(config: config, options: Fixture.fastOptions)
            let clock = ContinuousClock()
            let start = clock.now
            do {
                _ = try await client.get(Self.podPath)
                Issue.record("expected a TLS failure")
            } catch let error as KubeError {
                guard case .transport(let message) = error else {
                    Issue.record("unexpected \(error)")
                    await client.shutdown()
                    return
                }
                print("measure: CA mismatch message: \(message)")
                #expect(message.contains("TLS handshake with https://127.0.0.1:\(double.port) failed"))
                #expect(message.hasSuffix("the server certificate is not trusted (check certificate-authority and tls-server-name): CERTIFICATE_VERIFY_FAILED"))
            }
            #expect(start.duration(to: clock.now) < .seconds(8))  // no retries of a TLS failure
            await client.shutdown()
            #expect(double.requests.isEmpty)
            #expect(double.connectionCount == 1)  // a TLS failure is not retried
        }
    }

    @Test func tlsServerNameIsUsedForVerification() async throws {
        try await withDouble(pki: Fixture.namedOnlyPKI) { double, dir in
            double.seed(Manifests.pod("web-1"))
            let path = dir + "/kubeconfig"
            // The certificate names only api.internal.example: connect to 127.0.0.1, verify that name.
            try double.writeKubeconfig(to: path, tlsServerName: "api.internal.example")
            let good = try KubeClient(config: try Kubeconfig.load(path: path), options: Fixture.fastOptions)
            let pod = try await good.get(Self.podPath)
            #expect(pod["metadata"]?["name"]?.stringValue == "web-1")
            await good.shutdown()

            for name in [nil, "not-in-the-certificate.example"] {
                try double.writeKubeconfig(to: path, tlsServerName: name)
                let bad = try KubeClient(config: try Kubeconfig.load(path: path), options: Fixture.fastOptions)
                do {
                    _ = try await bad.get(Self.podPath)
                    Issue.record("expected a hostname mismatch with tls-server-name \(name ?? "unset")")
                } catch let error as KubeError {
                    if case .transport(let message) = error {
                        #expect(message.contains("TLS"))
                    } else {
                        Issue.record("unexpected \(error)")
                    }
                }
                await bad.shutdown()
            }
            #expect(double.requestCount() == 1)
        }
    }

    @Test func insecureSkipTLSVerifyAcceptsAnyCertificate() async throws {
        try await withDouble(pki: Fixture.otherPKI) { double, dir in
            double.seed(Manifests.pod("web-1"))
            let config = KubeClientConfig(server: double.serverURL, insecureSkipTLSVerify: true, bearerToken: "test-token")
            let client = try KubeClient(config: config, options: Fixture.fastOptions)
            let pod = try await client.get(Self.podPath)
            #expect(pod["metadata"]?["name"]?.stringValue == "web-1")
            await client.shutdown()
        }
    }

    @Test func refusedConnectionsAreRetriedUntilTheServerIsBack() async throws {
        try await withDouble { double, dir in
            double.seed(Manifests.pod("web-1"))
            await double.stop()
            try await withClient(double, dir: dir) { client in
                let restart = Task {
                    try await Task.sleep(for: .milliseconds(300))
                    try await double.restart()
                }
                let pod = try await client.get(Self.podPath)
                try await restart.value
                #expect(pod["metadata"]?["name"]?.stringValue == "web-1")
            }
        }
    }

    @Test func stoppedServerFailsWithinTheBudget() async throws {
        try await withDouble { double, dir in
            await double.stop()
            let options = KubeClient.Options(retryBudget: .seconds(1), initialBackoff: .milliseconds(50))
            try await withClient(double, dir: dir, options: options) { client in
                let clock = ContinuousClock()
                let start = clock.now
                do {
                    _ = try await client.get(Self.podPath)
                    Issue.record("expected a failure")
                } catch let error as KubeError {
                    guard case .transport(let message) = error else { Issue.record("unexpected \(error)"); return }
                    #expect(message.contains("refused"))
                    #expect(message.contains("gave up after"))
                }
                #expect(start.duration(to: clock.now) < .seconds(8))  // bounded; generous for a loaded machine
            }
        }
    }

    @Test func droppedConnectionIsRetried() async throws {
        try await withDouble { double, dir in
            double.seed(Manifests.pod("web-1"))
            double.injectFault(.dropConnection, path: Self.podPath)
            try await withClient(double, dir: dir) { client in
                let pod = try await client.get(Self.podPath)
                #expect(pod["metadata"]?["name"]?.stringValue == "web-1")
            }
            #expect(double.requestCount(pathPrefix: Self.podPath) == 2)
        }
    }

    @Test func listURLEncodesTheFieldSelector() async throws {
        try await withDouble { double, dir in
            double.seed(Manifests.resourceSlice("s1", node: "node-1", driver: "sriov.example.com"))
            double.seed(Manifests.resourceSlice("s2", node: "node-2", driver: "sriov.example.com"))
            double.seed(Manifests.resourceSlice("s3", node: "node-1", driver: "gpu.example.com"))
            try await withClient(double, dir: dir) { client in
                let items = try await client.list(
                    "/apis/resource.k8s.io/v1/resourceslices", fieldSelector: "spec.nodeName=node-1,spec.driver=sriov.example.com")
                #expect(items.compactMap { $0["metadata"]?["name"]?.stringValue } == ["s1"])
            }
            #expect(double.requests.last?.query["fieldSelector"] == "spec.nodeName=node-1,spec.driver=sriov.example.com")
        }
    }

    @Test func writesSendJSONWithTheRightContentTypes() async throws {
        try await withDouble { double, dir in
            double.seed(Manifests.pod("web-1"))
            try await withClient(double, dir: dir) { client in
                let patched = try await client.patch(Self.podPath, mergePatch: ["metadata": ["labels": ["a": "b"]]])
                #expect(patched["metadata"]?["labels"]?["a"]?.stringValue == "b")
                var pod = try await client.get(Self.podPath)
                pod["metadata"]?["labels"] = ["a": "c"]
                let updated = try await client.put(Self.podPath, pod)
                #expect(updated["metadata"]?["labels"]?["a"]?.stringValue == "c")
                // A PUT with the stale resourceVersion conflicts.
                await #expect(throws: KubeError.self) { try await client.put(Self.podPath, pod) }
                let created = try await client.post(
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
}
