import CNISpec
import Foundation
import KubeAPI
import KubeAPIServerDouble
import Testing

/// The double itself keeps the API server's contract, checked with a second,
/// independent client (curl) where the protocol matters.
@Suite struct KubeAPIServerDoubleTests {
    /// RFC 7386 appendix A.
    @Test(arguments: [
        (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
        (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
        (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
        (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
        (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
        (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
        (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
        (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
        (#"{"a":"foo"}"#, #"null"#, #"null"#),
        (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
        (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
        (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
        (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
    ])
    func mergePatchFollowsRFC7386(target: String, patch: String, expected: String) throws {
        let result = MergePatch.apply(try JSONValue(parsing: patch), to: try JSONValue(parsing: target))
        #expect(result == (try JSONValue(parsing: expected)))
    }

    func curl(_ arguments: [String]) throws -> (status: Int, body: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl", "-sS", "-w", "\n%{http_code}"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // With several URLs, each answer is followed by its own status line; keep the last.
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0,
                lines.dropLast().joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func servesHTTP1AndHTTP2() async throws {
        try await withDouble { double, _ throws in
            double.seed(Manifests.pod("web-1"))
            let url = double.serverURL + "/api/v1/namespaces/default/pods/web-1"
            let common = ["--cacert", Fixture.pki.caCertificatePath, "-H", "Authorization: Bearer test-token"]
            // Two requests on one kept-alive HTTP/1.1 connection.
            let h1 = try curl(common + ["--http1.1", url, url])
            #expect(h1.status == 200)
            #expect(double.connectionCount == 1)
            let h2 = try curl(common + ["--http2", url])
            #expect(h2.status == 200)
            #expect(try JSONValue(parsing: h2.body)["metadata"]?["name"]?.stringValue == "web-1")
            #expect(double.requests.map(\.httpVersion) == ["HTTP/1.1", "HTTP/1.1", "HTTP/2.0"])
        }
    }

    @Test func answersStatusBodiesLikeTheAPIServer() async throws {
        try await withDouble { double, _ throws in
            let base = double.serverURL
            let ca = ["--cacert", Fixture.pki.caCertificatePath]
            let unauthorized = try curl(ca + [base + "/api/v1/namespaces/default/pods/x"])
            #expect(unauthorized.status == 401)
            #expect(try JSONValue(parsing: unauthorized.body) == [
                "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                "message": "Unauthorized", "reason": "Unauthorized", "code": 401,
            ])
            let auth = ca + ["-H", "Authorization: Bearer test-token"]
            let missing = try curl(auth + [base + "/apis/k8s.cni.cncf.io/v1/namespaces/ns1/network-attachment-definitions/x"])
            #expect(missing.status == 404)
            #expect(try JSONValue(parsing: missing.body) == [
                "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                "message": "network-attachment-definitions.k8s.cni.cncf.io \"x\" not found", "reason": "NotFound",
                "details": ["name": "x", "group": "k8s.cni.cncf.io", "kind": "network-attachment-definitions"],
                "code": 404,
            ])
            let outside = try curl(auth + [base + "/healthz/nothing/here/at/all/really"])
            #expect(outside.status == 404)
            #expect(outside.body == "404 page not found")
            let badSelector = try curl(auth + [base + "/apis/resource.k8s.io/v1/resourceslices?fieldSelector=spec.driverName%3Dx"])
            #expect(badSelector.status == 400)
        }
    }

    @Test func updatesCheckResourceVersionAndStatusKeepsTheSpec() async throws {
        try await withDouble { double, dir throws in
            let path = double.seed(Manifests.pod("web-1"))
            try withClient(double, dir: dir) { client throws in
                var pod = try client.get(path)
                let version = pod["metadata"]?["resourceVersion"]?.stringValue
                pod["spec"]?["nodeName"] = "elsewhere"
                pod["metadata"]?["annotations"] = ["a": "1"]
                let updated = try client.put(path + "/status", pod)
                #expect(updated["spec"]?["nodeName"]?.stringValue == "node-1")
                #expect(updated["metadata"]?["annotations"]?["a"]?.stringValue == "1")
                #expect(updated["metadata"]?["resourceVersion"]?.stringValue != version)
                do {
                    _ = try client.put(path + "/status", pod)
                    Issue.record("expected a conflict")
                } catch let error as KubeError {
                    #expect(error.isConflict)
                    guard case .status(_, "Conflict", let message) = error else { Issue.record("\(error)"); return }
                    #expect(message.contains("the object has been modified"))
                }
                pod["metadata"]?["resourceVersion"] = nil
                #expect(throws: KubeError.self) { try client.put(path, pod) }  // 422: must be specified
                do {
                    _ = try client.patch(path, mergePatch: ["metadata": ["resourceVersion": "1"]])
                    Issue.record("expected a conflict")
                } catch let error as KubeError {
                    #expect(error.isConflict)
                }
            }
        }
    }

    @Test func postStoresAndRejectsDuplicates() async throws {
        try await withDouble { double, dir throws in
            try withClient(double, dir: dir) { client throws in
                let event: JSONValue = ["apiVersion": "v1", "kind": "Event", "metadata": ["name": "e1"]]
                _ = try client.post("/api/v1/namespaces/ns1/events", event)
                do {
                    _ = try client.post("/api/v1/namespaces/ns1/events", event)
                    Issue.record("expected AlreadyExists")
                } catch let error as KubeError {
                    guard case .status(409, "AlreadyExists", _) = error else { Issue.record("\(error)"); return }
                }
            }
            #expect(double.objects(in: "/api/v1/namespaces/ns1/events").first?["metadata"]?["namespace"] == "ns1")
        }
    }

    @Test func stopRefusesConnectionsAndRestartServesAgain() async throws {
        try await withDouble { double, _ throws in
            double.seed(Manifests.pod("web-1"))
            let args = ["--cacert", Fixture.pki.caCertificatePath, "-H", "Authorization: Bearer test-token",
                        double.serverURL + "/api/v1/namespaces/default/pods/web-1"]
            waitFor { await double.stop() }
            #expect(try curl(args).status == 0)  // connection refused
            waitFor { try await double.restart() }
            #expect(try curl(args).status == 200)
        }
    }
}
