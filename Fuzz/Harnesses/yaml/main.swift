import CNISpec
import FuzzSupport
import YAML

// The YAML reader (libyaml's parser, our composer and typing) sees manifests
// and kubeconfigs; the emitter writes manifests back (network-status into a
// pod's file). What we read must emit to YAML that reads back the same, and
// its JSON text must read back the same too.
// A smaller node budget than the default million: the limit is checked the
// same way at any size, and inputs that expand to a million nodes would take
// most of the fuzzer's time (kubeconfig and manifest keep the default).
let limits = YAMLLimits(maximumNodes: 20_000)

fuzz { input in
    guard let documents = try? YAML.documents(input, limits: limits) else { return }
    let emitted = YAML.emit(documents: documents)
    let again: [JSONValue]
    do { again = try YAML.documents(Array(emitted.utf8), limits: limits) } catch {
        fatalError("emitted YAML does not read back (\(error)): \(emitted.debugDescription)")
    }
    check(again == documents, "\(documents.map(\.serialized)) emitted as \(emitted.debugDescription) reads back as \(again.map(\.serialized))")
    for document in documents {
        check((try? JSONValue(parsing: document.serializedBytes)) == document, "\(document.serialized) does not read back as JSON")
    }
}
