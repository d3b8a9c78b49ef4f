import CNISpec
import Foundation
import Yams

/// The cluster as a folder of manifests (`.yaml`, `.yml`, `.json`; several
/// documents per file allowed): Pods, NetworkAttachmentDefinitions,
/// ResourceClaims, ResourceSlices. network-status is written back into the
/// pod's own file and events are appended to `events.jsonl`. For local runs
/// (the demo, cnitool, podman) where no API server exists.
package struct ManifestDirectoryClusterState: ClusterState {
    package let directory: String

    package init(directory: String) { self.directory = directory }

    /// One document of one file.
    struct Document {
        var file: String
        var index: Int
        var json: JSONValue
    }

    package func pod(_ key: ObjectKey) throws(KubeError) -> Pod? {
        try find(kind: "Pod", key).map { Pod(json: $0.json) }
    }

    package func networkAttachmentDefinitions(_ keys: [ObjectKey]) -> [Result<NetworkAttachmentDefinition?, KubeError>] {
        keys.map { key in
            Result { () throws(KubeError) in try find(kind: "NetworkAttachmentDefinition", key).map { NetworkAttachmentDefinition(json: $0.json) } }
        }
    }

    package func resourceClaims(_ keys: [ObjectKey]) -> [Result<ResourceClaim?, KubeError>] {
        keys.map { key in Result { () throws(KubeError) in try find(kind: "ResourceClaim", key).map { ResourceClaim(json: $0.json) } } }
    }

    package func resourceSlices(nodeName: String, drivers: [String]) -> [Result<[ResourceSlice], KubeError>] {
        drivers.map { driver in
            Result { () throws(KubeError) in
                try documents().filter { $0.json["kind"]?.stringValue == "ResourceSlice" }.map { ResourceSlice(json: $0.json) }
                    .filter { $0.nodeName == nodeName && $0.driver == driver }
            }
        }
    }

    package func write(_ writes: [ClusterWrite]) -> [Result<Void, KubeError>] {
        writes.map { write in
            Result { () throws(KubeError) in
                switch write {
                case .networkStatus(let pod, let value): try setNetworkStatus(of: pod, to: value)
                case .event(let event): try postEvent(event)
                }
            }
        }
    }

    func setNetworkStatus(of pod: ObjectKey, to value: String) throws(KubeError) {
        guard let document = try find(kind: "Pod", pod) else {
            throw .status(code: 404, reason: "NotFound", message: "pods \"\(pod.name)\" not found in \(directory)")
        }
        try rewrite(document.file) { documents in
            var metadata = documents[document.index]["metadata"] ?? [:]
            var annotations = metadata["annotations"] ?? [:]
            annotations["k8s.v1.cni.cncf.io/network-status"] = .string(value)
            metadata["annotations"] = annotations
            documents[document.index]["metadata"] = metadata
        }
    }

    func postEvent(_ event: PodEvent) throws(KubeError) {
        let line: JSONValue = ["pod": .string(event.pod.description), "type": .string(event.type),
                               "reason": .string(event.reason), "message": .string(event.message)]
        let path = directory + "/events.jsonl"
        // O_APPEND and one write per line: events of one ADD are posted concurrently.
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .transport("cannot append to \(path)") }
        defer { close(fd) }
        let bytes = Array((line.serialized + "\n").utf8)
        guard bytes.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw .transport("cannot append to \(path)")
        }
    }

    package func shutdown() {}

    // MARK: reading

    private func find(kind: String, _ key: ObjectKey) throws(KubeError) -> Document? {
        try documents().first { doc in
            doc.json["kind"]?.stringValue == kind && doc.json["metadata"]?["name"]?.stringValue == key.name
                && (doc.json["metadata"]?["namespace"]?.stringValue ?? "default") == key.namespace
        }
    }

    func documents() throws(KubeError) -> [Document] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted() } catch {
            throw .configuration("manifestDir \(directory) cannot be read: \(error.localizedDescription)")
        }
        var result: [Document] = []
        for name in names where [".yaml", ".yml", ".json"].contains(where: name.hasSuffix) {
            let file = directory + "/" + name
            for (index, json) in try Self.parse(file: file).enumerated() where json.objectValue != nil {
                result.append(Document(file: file, index: index, json: json))
            }
        }
        return result
    }

    static func parse(file: String) throws(KubeError) -> [JSONValue] {
        guard let data = FileManager.default.contents(atPath: file) else { throw .configuration("cannot read \(file)") }
        if file.hasSuffix(".json") {
            do { return [try JSONValue(parsing: Array(data))] } catch { throw .decoding("\(file): \(error)") }
        }
        do {
            return try Yams.compose_all(yaml: String(decoding: data, as: UTF8.self)).map(YAMLBridge.json(from:))
        } catch {
            throw .decoding("\(file): \(error)")
        }
    }

    // MARK: writing

    /// Read-modify-write of one file under an exclusive lock, replaced atomically:
    /// several CNI calls may write pods of the same file at once.
    private func rewrite(_ file: String, _ change: (inout [JSONValue]) -> Void) throws(KubeError) {
        let lock = open(file, O_RDONLY | O_CLOEXEC)
        guard lock >= 0, flock(lock, LOCK_EX) == 0 else { throw .transport("cannot lock \(file)") }
        defer { close(lock) }
        var documents = try Self.parse(file: file)
        change(&documents)
        let text: String
        if file.hasSuffix(".json") {
            text = (documents.first ?? .null).pretty + "\n"
        } else {
            do { text = try documents.map { try Yams.serialize(node: YAMLBridge.node(from: $0)) }.joined(separator: "---\n") } catch {
                throw .decoding("cannot write \(file): \(error)")
            }
        }
        let temp = file + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temp, contents: Data(text.utf8)), rename(temp, file) == 0 else {
            unlink(temp)
            throw .transport("cannot write \(file)")
        }
    }
}

/// YAML nodes ↔ our JSON values, keeping member order and scalar types.
enum YAMLBridge {
    static func json(from node: Node) -> JSONValue {
        switch node {
        case .mapping(let mapping):
            return .object(JSONObject(mapping.map { ($0.key.string ?? "", json(from: $0.value)) }))
        case .sequence(let sequence):
            return .array(sequence.map(json(from:)))
        case .scalar(let scalar):
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return .null
            case .bool: return .bool(node.bool ?? false)
            case .int: return node.int.map(JSONValue.int) ?? .string(scalar.string)
            case .float: return node.float.map { .number(String($0)) } ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .alias:
            return .null
        }
    }

    static func node(from json: JSONValue) -> Node {
        switch json {
        case .null: return Node("null", Tag(.null))
        case .bool(let b): return Node(b ? "true" : "false", Tag(.bool))
        case .number(let n): return Node(n, Tag(n.contains(where: { ".eE".contains($0) }) ? .float : .int))
        case .string(let s):
            // Quote what a plain scalar would read back as something else ("true", "1", multi-line JSON).
            let plain = Node(s, Tag(.implicit))
            let resolvesToString = Resolver.default.resolveTag(of: plain) == .str
            let style: Node.Scalar.Style = s.contains("\n") ? .literal : (resolvesToString && !s.isEmpty ? .plain : .doubleQuoted)
            return Node(s, Tag(.str), style)
        case .array(let elements): return Node(elements.map(node(from:)))
        case .object(let object): return Node(object.members.map { (Node($0.key), node(from: $0.value)) })
        }
    }
}
