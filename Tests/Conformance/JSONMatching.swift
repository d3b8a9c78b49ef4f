import CNISpec
import Foundation

/// Compares what a case expects with what happened. Objects match when every
/// expected member matches (`null` means "absent"); with `exact`, the actual
/// object has no other members. Arrays match element by element and have the
/// same length. Numbers compare by value, whatever their spelling.
enum JSONMatching {
    static func mismatches(expected: JSONValue, actual: JSONValue?, exact: Bool, at path: String = "") -> [String] {
        var out: [String] = []
        compare(expected, actual, exact: exact, path: path.isEmpty ? "$" : path, into: &out)
        return out
    }

    private static func compare(_ expected: JSONValue, _ actual: JSONValue?, exact: Bool, path: String, into out: inout [String]) {
        switch expected {
        case .null:
            if let actual, actual != .null { out.append("\(path): expected absent, got \(actual.serialized)") }
        case .object(let members):
            guard case .object(let have)? = actual else {
                out.append("\(path): expected an object, got \(actual?.serialized ?? "nothing")")
                return
            }
            for member in members { compare(member.value, have[member.key], exact: exact, path: "\(path).\(member.key)", into: &out) }
            if exact {
                for extra in have where members[extra.key] == nil {
                    out.append("\(path).\(extra.key): unexpected, \(extra.value.serialized)")
                }
            }
        case .array(let items):
            guard case .array(let have)? = actual else {
                out.append("\(path): expected an array, got \(actual?.serialized ?? "nothing")")
                return
            }
            guard items.count == have.count else {
                out.append("\(path): expected \(items.count) element(s), got \(have.count): \(JSONValue.array(have).serialized)")
                return
            }
            for (i, item) in items.enumerated() { compare(item, have[i], exact: exact, path: "\(path)[\(i)]", into: &out) }
        case .number(let n):
            guard case .number(let m)? = actual, Double(n) == Double(m) else {
                out.append("\(path): expected \(n), got \(actual?.serialized ?? "nothing")")
                return
            }
        case .string, .bool:
            if actual != expected { out.append("\(path): expected \(expected.serialized), got \(actual?.serialized ?? "nothing")") }
        }
    }

    /// `value` without the members an empty `"dns": {}` adds (Go's types print it, ours omit it).
    static func withoutEmptyDNS(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(var o):
            if o["dns"] == .object(JSONObject()) { o["dns"] = nil }
            return .object(JSONObject(o.map { ($0.key, withoutEmptyDNS($0.value)) }))
        case .array(let a): return .array(a.map(withoutEmptyDNS))
        default: return value
        }
    }
}
