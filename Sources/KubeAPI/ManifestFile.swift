import CNISpec
import SystemSupport
import YAML

/// One manifest file of a `manifestDir`: its documents (several per YAML
/// file; `kind: List` documents stand for their `items`), read and written
/// back whole.
struct ManifestFile {
    /// Where one object sits: document, and the item when the document is a List.
    struct Location: Equatable {
        var document: Int
        var item: Int?
    }

    static let maximumBytes = 64 << 20

    let path: String
    var documents: [JSONValue]

    var isJSON: Bool { path.hasSuffix(".json") }

    static func isManifest(_ name: String) -> Bool {
        !name.hasPrefix(".") && !Directory.isTemporary(name)
            && (name.hasSuffix(".yaml") || name.hasSuffix(".yml") || name.hasSuffix(".json"))
    }

    /// Reads and parses the file; any problem fails with the file's name (a
    /// manifest that cannot be read must not silently drop a pod's networks).
    init(reading path: String) throws(KubeError) {
        self.path = path
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.contents(of: path, limit: Self.maximumBytes)
        } catch {
            throw .configuration("manifestDir file \(path) cannot be read: \(error.reason)")
        }
        if path.hasSuffix(".json") {
            do { documents = [try JSONValue(parsing: bytes)] } catch {
                throw .decoding("manifestDir file \(path) is not valid JSON: \(error)")
            }
        } else {
            do { documents = try YAML.documents(bytes) } catch {
                throw .decoding("manifestDir file \(path) is not valid YAML (\(error))")
            }
        }
    }

    /// Every object with its location, Lists unpacked.
    var objects: [(location: Location, object: JSONValue)] {
        var result: [(Location, JSONValue)] = []
        for (index, document) in documents.enumerated() where document.objectValue != nil {
            if Self.isList(document) {
                for (item, object) in (document["items"]?.arrayValue ?? []).enumerated() where object.objectValue != nil {
                    result.append((Location(document: index, item: item), object))
                }
            } else {
                result.append((Location(document: index, item: nil), document))
            }
        }
        return result
    }

    /// `kind: List` (or `PodList`, … as kubectl writes them) with `items`.
    static func isList(_ document: JSONValue) -> Bool {
        guard let kind = document["kind"]?.stringValue, kind.hasSuffix("List") else { return false }
        return document["items"]?.arrayValue != nil
    }

    static func matches(_ object: JSONValue, kind: String, _ key: ObjectKey) -> Bool {
        object["kind"]?.stringValue == kind && object["metadata"]?["name"]?.stringValue == key.name
            && (object["metadata"]?["namespace"]?.stringValue ?? "default") == key.namespace
    }

    func location(of kind: String, _ key: ObjectKey) -> Location? {
        objects.first { Self.matches($0.object, kind: kind, key) }?.location
    }

    subscript(location: Location) -> JSONValue {
        get {
            guard let item = location.item else { return documents[location.document] }
            return documents[location.document]["items"]?.arrayValue?[item] ?? .null
        }
        set {
            guard let item = location.item else {
                documents[location.document] = newValue
                return
            }
            guard var items = documents[location.document]["items"]?.arrayValue, item < items.count else { return }
            items[item] = newValue
            documents[location.document]["items"] = .array(items)
        }
    }

    /// The file's new text: JSON stays JSON (pretty), YAML becomes block YAML.
    var serialized: [UInt8] {
        if isJSON { return Array(((documents.first ?? .null).pretty + "\n").utf8) }
        return Array(YAML.emit(documents: documents).utf8)
    }
}
