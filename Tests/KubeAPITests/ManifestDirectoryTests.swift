import CNISpec
import Foundation
import KubeAPI
import struct TestSupport.TemporaryDirectory
import Testing
import YAML

/// `manifestDir`: Lists, multi-document files, files that do not parse, and
/// concurrent network-status writers.
@Suite struct ManifestDirectoryTests {
    let dir = TemporaryDirectory("manifests").path
    static let annotation = "k8s.v1.cni.cncf.io/network-status"

    func key(_ name: String, _ namespace: String = "default") -> ObjectKey { ObjectKey(namespace: namespace, name: name) }

    @Test func listFilesAndMultiDocumentFilesAreRead() throws {
        try write("""
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Pod
              metadata: {name: web-1, namespace: ns1, annotations: {k8s.v1.cni.cncf.io/networks: net-a}}
            - apiVersion: k8s.cni.cncf.io/v1
              kind: NetworkAttachmentDefinition
              metadata: {name: net-a, namespace: ns1}
              spec: {config: '{"cniVersion":"1.0.0","type":"macvlan"}'}
            """, to: dir + "/list.yaml")
        try write("""
            apiVersion: v1
            kind: Pod
            metadata: {name: web-2}
            ---
            apiVersion: k8s.cni.cncf.io/v1
            kind: NetworkAttachmentDefinition
            metadata: {name: net-b}
            spec: {config: ""}
            """, to: dir + "/multi.yml")
        try write(#"{"apiVersion":"v1","kind":"PodList","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-3"}}]}"#,
                  to: dir + "/pods.json")
        let cluster = ManifestDirectoryClusterState(directory: dir)
        #expect(try cluster.pod(key("web-1", "ns1"))?.annotations["k8s.v1.cni.cncf.io/networks"] == "net-a")
        #expect(try cluster.pod(key("web-2")) != nil)
        #expect(try cluster.pod(key("web-3")) != nil)
        #expect(try cluster.pod(key("web-1")) == nil)  // other namespace
        let nads = try cluster.networkAttachmentDefinitions([key("net-a", "ns1"), key("net-b"), key("nope")]).map { try $0.get() }
        #expect(nads.map { $0?.metadata.name } == ["net-a", "net-b", nil])
        #expect(nads[0]?.config.contains("macvlan") == true)
    }

    @Test(arguments: [
        ("broken.yaml", "kind: Pod\nmetadata: {name: [\n"),
        ("deep.yaml", String(repeating: "[", count: 100_000)),
        ("bomb.yaml", (1...9).reduce("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n") { text, level in
            text + "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }),
        ("broken.json", "{\"kind\": "),
    ])
    func aFileThatDoesNotParseFailsTheReadNamingIt(_ name: String, _ text: String) throws {
        try write("apiVersion: v1\nkind: Pod\nmetadata: {name: web-1}\n", to: dir + "/a-good.yaml")
        try write(text, to: dir + "/" + name)
        let cluster = ManifestDirectoryClusterState(directory: dir)
        do {
            _ = try cluster.pod(key("web-1"))
            Issue.record("expected the read to fail")
        } catch {
            guard case .decoding(let message) = error else { Issue.record("\(error)"); return }
            #expect(message.hasPrefix("manifestDir file \(dir)/\(name) is not valid"))
        }
        let nad = cluster.networkAttachmentDefinitions([key("x")])
        #expect(throws: KubeError.self) { try nad[0].get() }
    }

    @Test func networkStatusIsWrittenIntoTheListItem() throws {
        try write("""
            kind: List
            apiVersion: v1
            items:
            - {apiVersion: v1, kind: Pod, metadata: {name: a}}
            - {apiVersion: v1, kind: Pod, metadata: {name: b, annotations: {keep: "yes"}}}
            """, to: dir + "/pods.yaml")
        let cluster = ManifestDirectoryClusterState(directory: dir)
        try cluster.write([.networkStatus(pod: key("b"), value: "[{\"name\":\"x\"}]")])[0].get()
        let pod = try #require(try cluster.pod(key("b")))
        #expect(pod.annotations[Self.annotation] == "[{\"name\":\"x\"}]")
        #expect(pod.annotations["keep"] == "yes")
        #expect(try cluster.pod(key("a")) != nil)
        #expect(throws: KubeError.status(code: 404, reason: "NotFound", message: "pods \"c\" not found in \(dir)")) {
            try cluster.write([.networkStatus(pod: key("c"), value: "[]")])[0].get()
        }
    }

    /// Found by `make fuzz` (manifest): the write did nothing and reported success.
    @Test(arguments: ["[not, a, mapping]", "just text", "12"])
    func networkStatusOfAPodWhoseAnnotationsAreNoMappingFailsNamingTheFile(_ annotations: String) throws {
        try write("kind: Pod\nmetadata:\n  name: p\n  annotations: \(annotations)\n", to: dir + "/pod.yaml")
        let cluster = ManifestDirectoryClusterState(directory: dir)
        #expect(throws: KubeError.decoding("manifestDir file \(dir)/pod.yaml: pod default/p has metadata.annotations that are not a mapping")) {
            try cluster.write([.networkStatus(pod: key("p"), value: "[]")])[0].get()
        }
    }

    @Test func sixtyConcurrentWritersToOneFileLoseNothing() throws {
        let count = 60
        let documents: [JSONValue] = (0..<count).map { ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string("pod-\($0)")]] }
        try write(YAML.emit(documents: documents), to: dir + "/pods.yaml")
        let cluster = ManifestDirectoryClusterState(directory: dir)
        let group = DispatchGroup()
        let failures = Failures()
        for index in 0..<count {
            group.enter()
            let thread = Thread {
                let result = cluster.write([.networkStatus(pod: key("pod-\(index)"), value: "[\"\(index)\"]")])[0]
                if case .failure(let error) = result { failures.add("pod-\(index): \(error)") }
                group.leave()
            }
            thread.start()
        }
        group.wait()
        #expect(failures.all.isEmpty)
        for index in 0..<count {
            #expect(try cluster.pod(key("pod-\(index)"))?.annotations[Self.annotation] == "[\"\(index)\"]")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test func eventsAreAppendedAsJSONLines() throws {
        let cluster = ManifestDirectoryClusterState(directory: dir)
        for message in ["one", "two"] {
            try cluster.write([.event(PodEvent(pod: key("web-1"), podUID: "u", reason: "AddedInterface", message: message))])[0].get()
        }
        let lines = try String(contentsOfFile: dir + "/events.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(try lines.map { try JSONValue(parsing: String($0))["message"]?.stringValue } == ["one", "two"])
    }
}

final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    func add(_ message: String) { lock.withLock { messages.append(message) } }
    var all: [String] { lock.withLock { messages } }
}
