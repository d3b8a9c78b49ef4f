extension JSONValue {
    /// Compact JSON text, members in their stored order.
    package var serialized: String {
        var out = ""
        write(to: &out)
        return out
    }

    package var serializedBytes: [UInt8] { Array(serialized.utf8) }

    /// Two-space indented JSON, for people (the demo, `--pretty` output).
    package var pretty: String {
        var out = ""
        write(to: &out, indent: 0, step: 2)
        return out
    }

    private func write(to out: inout String, indent: Int = 0, step: Int = 0) {
        let newline = step > 0 ? "\n" : ""
        let pad = { (level: Int) in String(repeating: " ", count: level) }
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let elements):
            guard !elements.isEmpty else { out += "[]"; return }
            out += "[" + newline
            for (i, element) in elements.enumerated() {
                out += pad(indent + step)
                element.write(to: &out, indent: indent + step, step: step)
                out += (i < elements.count - 1 ? "," : "") + newline
            }
            out += pad(indent) + "]"
        case .object(let object):
            guard !object.isEmpty else { out += "{}"; return }
            out += "{" + newline
            for (i, member) in object.members.enumerated() {
                out += pad(indent + step)
                Self.writeString(member.key, to: &out)
                out += step > 0 ? ": " : ":"
                member.value.write(to: &out, indent: indent + step, step: step)
                out += (i < object.count - 1 ? "," : "") + newline
            }
            out += pad(indent) + "}"
        }
    }

    private static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

extension JSONValue: CustomStringConvertible {
    package var description: String { serialized }
}
