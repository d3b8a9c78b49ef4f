import CNISpec
import FuzzSupport
import YAML

// The YAML reader (libyaml's parser, our composer and typing) sees manifests
// and kubeconfigs; the emitter writes manifests back (network-status into a
// pod's file). What we read must emit to YAML that reads back the same, and
// its JSON text must read back the same too.
fuzz { input in
    guard let documents = try? YAML.documents(input) else { return }
    let emitted = YAML.emit(documents: documents)
    let again: [JSONValue]
    do { again = try YAML.documents(emitted) } catch {
        fatalError("emitted YAML does not read back (\(error)): \(emitted.debugDescription)")
    }
    check(again == documents, "\(documents.map(\.serialized)) emitted as \(emitted.debugDescription) reads back as \(again.map(\.serialized))")
    for document in documents {
        check((try? JSONValue(parsing: document.serializedBytes)) == document, "\(document.serialized) does not read back as JSON")
    }
}
