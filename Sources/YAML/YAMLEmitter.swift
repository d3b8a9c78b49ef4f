import CNISpec

/// JSON values as block-style YAML, for writing manifests back. A string is
/// plain only when it is made of harmless characters and reads back as the
/// same string (not `true`, `1`, `null`, …); otherwise it is double-quoted
/// with escapes, which round-trips every string exactly (multi-line JSON too).
struct YAMLEmitter {
    var output = ""

    mutating func document(_ value: JSONValue) {
        switch value {
        case .object(let object) where !object.isEmpty: mapping(object, indent: 0)
        case .array(let items) where !items.isEmpty: sequence(items, indent: 0)
        default: output += Self.scalar(value) + "\n"
        }
    }

    private mutating func mapping(_ object: JSONObject, indent: Int) {
        for member in object {
            output += String(repeating: " ", count: indent) + Self.string(member.key) + ":"
            nested(member.value, indent: indent, sequenceIndent: indent)
        }
    }

    private mutating func sequence(_ items: [JSONValue], indent: Int) {
        for item in items {
            output += String(repeating: " ", count: indent) + "-"
            switch item {
            case .object(let object) where !object.isEmpty:
                // The first member goes on the dash's line: `- name: a`.
                var inner = YAMLEmitter()
                inner.mapping(object, indent: indent + 2)
                output += " " + inner.output.dropFirst(indent + 2)
            case .array(let nested) where !nested.isEmpty:
                var inner = YAMLEmitter()
                inner.sequence(nested, indent: indent + 2)
                output += " " + inner.output.dropFirst(indent + 2)
            default:
                output += " " + Self.scalar(item) + "\n"
            }
        }
    }

    /// After `key:` — a scalar on the same line, a collection below it.
    private mutating func nested(_ value: JSONValue, indent: Int, sequenceIndent: Int) {
        switch value {
        case .object(let object) where !object.isEmpty:
            output += "\n"
            mapping(object, indent: indent + 2)
        case .array(let items) where !items.isEmpty:
            output += "\n"
            sequence(items, indent: sequenceIndent)
        default:
            output += " " + Self.scalar(value) + "\n"
        }
    }

    static func scalar(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        // A float's -0 (`-0.` read) would come back as the integer 0.
        case .number(let n): n == "-0" ? "-0." : n
        case .string(let s): string(s)
        case .array: "[]"
        case .object: "{}"
        }
    }

    static func string(_ s: String) -> String { isSafePlain(s) ? s : quoted(s) }

    /// Conservative: ASCII letters, digits and a few punctuation marks, not
    /// starting with an indicator, and typed as a string by the resolver.
    static func isSafePlain(_ s: String) -> Bool {
        guard let first = s.utf8.first, !s.hasPrefix("---"), !s.hasPrefix("...") else { return false }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/-+=()$^;~".utf8)
        guard s.utf8.allSatisfy(allowed.contains) else { return false }
        guard first != UInt8(ascii: "-") && first != UInt8(ascii: "~") else { return false }
        return YAMLScalar.implicit(s) == .value(.string(s))
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            // Control characters (C0 and C1), the ones YAML counts as line breaks or
            // a BOM, and U+FFFE/U+FFFF: libyaml refuses to read any of them unescaped.
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                || scalar.value == 0x2028 || scalar.value == 0x2029 || scalar.value == 0xFEFF
                || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
