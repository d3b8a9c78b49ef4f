import CNISpec
import FuzzSupport

// JSONValue(parsing:) sees every config, result and checkpoint. Whatever it
// accepts must serialize to text it reads back as the same value, compact and
// pretty, and serializing that again must give the same bytes (the order of
// members and the text of numbers are kept).
fuzz { input in
    guard let value = try? JSONValue(parsing: input) else { return }
    let compact = value.serializedBytes
    guard let again = try? JSONValue(parsing: compact) else {
        fatalError("serialized text does not parse: \(value.serialized)")
    }
    check(again == value, "round trip changed the value: \(value.serialized) → \(again.serialized)")
    check(again.serializedBytes == compact, "serializing twice differs: \(value.serialized)")
    let pretty = try? JSONValue(parsing: Array(value.pretty.utf8))
    check(pretty == value, "pretty text reads back differently: \(value.pretty)")
}
