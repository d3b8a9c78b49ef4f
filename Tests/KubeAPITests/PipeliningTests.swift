import CNISpec
import KubeAPI
import KubeAPIServerDouble
import class TestSupport.FakeTime
import Testing

/// Batches go out together on the one connection and come back in order.
@Suite struct PipeliningTests {
    static func nadPath(_ name: String) -> String {
        "/apis/k8s.cni.cncf.io/v1/namespaces/default/network-attachment-definitions/\(name)"
    }

    static func seedNADs(_ double: KubeAPIServerDouble, _ names: [String]) {
        for name in names { double.seed(Manifests.nad(name, config: #"{"cniVersion":"1.0.0","type":"macvlan"}"#)) }
    }

    @Test func aBatchOfNADReadsIsPipelinedOnOneConnection() async throws {
        try await withDouble { double, dir throws in
            Self.seedNADs(double, ["net-a", "net-b", "net-c"])
            try withClusterState(double, dir: dir) { cluster throws in
                let keys = ["net-a", "missing", "net-b", "net-c"].map { ObjectKey(namespace: "default", name: $0) }
                let nads = try cluster.networkAttachmentDefinitions(keys).map { try $0.get() }
                #expect(nads.map { $0?.metadata.name } == ["net-a", nil, "net-b", "net-c"])
                #expect(nads.compactMap { $0 }.allSatisfy { $0.config.contains("macvlan") })
            }
            #expect(double.connectionCount == 1)
            #expect(double.requests.map(\.path) == ["net-a", "missing", "net-b", "net-c"].map(Self.nadPath))
        }
    }

    @Test func http1OnlyServerAnswersTheBatchInOrder() async throws {
        try await withDouble(http2: false) { double, dir throws in
            Self.seedNADs(double, (0..<20).map { "net-\($0)" })
            try withClient(double, dir: dir) { client throws in
                let results = client.perform((0..<20).map { .get(Self.nadPath("net-\($0)")) })
                #expect(try results.map { try $0.get()["metadata"]?["name"]?.stringValue } == (0..<20).map { "net-\($0)" })
            }
            #expect(double.connectionCount == 1)
        }
    }

    @Test func connectionBrokenMidBatchIsReopenedOnceForTheUnansweredRequests() async throws {
        let time = FakeTime()
        try await withDouble { double, dir throws in
            Self.seedNADs(double, ["net-a", "net-b", "net-c"])
            double.injectFault(.dropConnection, path: Self.nadPath("net-b"))
            try withClient(double, dir: dir, options: Fixture.options(time)) { client throws in
                let results = client.perform(["net-a", "net-b", "net-c"].map { .get(Self.nadPath($0)) })
                #expect(try results.map { try $0.get()["metadata"]?["name"]?.stringValue } == ["net-a", "net-b", "net-c"])
            }
            #expect(double.connectionCount == 2)
            // net-a was answered on the first connection; net-b and net-c went again on the second.
            #expect(double.requests.map(\.path) == ["net-a", "net-b", "net-b", "net-c"].map(Self.nadPath))
        }
        #expect(time.slept.isEmpty)
    }

    @Test func connectionCloseMidBatchResendsTheRest() async throws {
        try await withDouble { double, dir throws in
            Self.seedNADs(double, ["net-a", "net-b", "net-c"])
            double.injectFault(.closeAfterAnswer, path: Self.nadPath("net-a"))
            try withClient(double, dir: dir) { client throws in
                let results = client.perform(["net-a", "net-b", "net-c"].map { .get(Self.nadPath($0)) })
                #expect(try results.map { try $0.get()["metadata"]?["name"]?.stringValue } == ["net-a", "net-b", "net-c"])
                // The next call finds the connection it left open.
                _ = try client.get(Self.nadPath("net-a"))
            }
            #expect(double.connectionCount == 2)
        }
    }

    @Test func retriedCallsOfABatchGoAgainWhileTheOthersAreDone() async throws {
        let time = FakeTime()
        try await withDouble { double, dir throws in
            Self.seedNADs(double, ["net-a", "net-b"])
            double.injectFault(.status(503), path: Self.nadPath("net-b"), count: 2)
            try withClient(double, dir: dir, options: Fixture.options(time)) { client throws in
                let results = client.perform(["net-a", "net-b"].map { .get(Self.nadPath($0)) })
                #expect(results.allSatisfy { (try? $0.get()) != nil })
            }
            #expect(double.requests.map(\.path) == ["net-a", "net-b", "net-b", "net-b"].map(Self.nadPath))
            #expect(double.connectionCount == 1)
        }
        #expect(time.slept.count == 2)
    }

    @Test func writesOfOneADDArePipelinedTogether() async throws {
        try await withDouble { double, dir throws in
            double.seed(Manifests.pod("web-1"))
            let key = ObjectKey(namespace: "default", name: "web-1")
            try withClusterState(double, dir: dir) { cluster throws in
                let results = cluster.write([
                    .networkStatus(pod: key, value: "[]"),
                    .event(PodEvent(pod: key, podUID: "u", reason: "AddedInterface", message: "Add eth0")),
                    .event(PodEvent(pod: key, podUID: "u", reason: "AddedInterface", message: "Add net1")),
                ])
                for result in results { try result.get() }
            }
            #expect(double.requests.map(\.method) == ["PATCH", "POST", "POST"])
            #expect(double.objects(in: "/api/v1/namespaces/default/events").count == 2)  // distinct names
            #expect(double.connectionCount == 1)
        }
    }
}
