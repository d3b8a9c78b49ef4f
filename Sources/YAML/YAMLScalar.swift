import CNISpec

/// Scalars typed as sigs.k8s.io/yaml types them (go-yaml v2's resolver, YAML
/// 1.1, then JSON): plain `y/yes/true/on` (and `n/no/false/off`) in the case
/// forms go-yaml lists are booleans; `~`, `null` and the empty scalar are
/// null; integers in Go's base-0 syntax (`0x`, `0o`, `0b`, a leading `0` is
/// octal, `_` ignored); floats of go-yaml's float syntax. Quoted scalars and
/// `!!str` stay strings. Written with byte comparisons: no regular expressions.
enum YAMLScalar {
    static let tagPrefix = "tag:yaml.org,2002:"

    enum Resolved: Equatable {
        case value(JSONValue)
        /// `.inf`/`.nan`: a float JSON cannot hold (sigs.k8s.io/yaml fails on it too).
        case nonFinite
        /// An explicit tag the text does not fit (`!!int abc`).
        case mismatch(tag: String)
    }

    /// A scalar with libyaml's expanded tag (nil when untagged); `plain` marks an
    /// untagged plain scalar, the only kind typed implicitly.
    static func resolve(_ text: String, tag: String?, plain: Bool) -> Resolved {
        guard let tag else { return plain ? implicit(text) : .value(.string(text)) }
        guard tag.hasPrefix(tagPrefix) else { return .value(.string(text)) }  // `!`, `!Custom`: text
        switch tag.dropFirst(tagPrefix.count) {
        case "str", "timestamp": return .value(.string(text))
        case "binary":
            // go-yaml decodes base64 into the string it hands on.
            let compact = String(text.unicodeScalars.filter { !$0.properties.isWhitespace })
            guard let bytes = Base64.decode(compact) else { return .mismatch(tag: "!!binary") }
            return .value(.string(String(decoding: bytes, as: UTF8.self)))
        case "bool": return typed(text, as: "bool")
        case "int": return typed(text, as: "int")
        case "float":
            if case .value(.number(let n)) = implicit(text) { return .value(.number(n)) }  // ints are floats too
            return typed(text, as: "float")
        case "null": return typed(text, as: "null")
        default: return .value(.string(text))  // !!merge, !!seq on a scalar, …: go-yaml keeps the text
        }
    }

    private static func typed(_ text: String, as kind: String) -> Resolved {
        let resolved = implicit(text)
        let fits: Bool
        switch (kind, resolved) {
        case ("bool", .value(.bool)), ("null", .value(.null)), ("float", .nonFinite): fits = true
        case ("int", .value(.number)): fits = isIntegerSyntax(text)
        default: fits = false
        }
        return fits ? resolved : .mismatch(tag: "!!" + kind)
    }

    private static func isIntegerSyntax(_ text: String) -> Bool { goInteger(Array(text.utf8).filter { $0 != UInt8(ascii: "_") }) != nil }

    static let booleans: [String: Bool] = [
        "y": true, "Y": true, "yes": true, "Yes": true, "YES": true,
        "true": true, "True": true, "TRUE": true, "on": true, "On": true, "ON": true,
        "n": false, "N": false, "no": false, "No": false, "NO": false,
        "false": false, "False": false, "FALSE": false, "off": false, "Off": false, "OFF": false,
    ]
    static let nulls: Set<String> = ["", "~", "null", "Null", "NULL"]
    static let nonFinite: Set<String> = [
        ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
    ]

    /// go-yaml v2's `resolve` for an untagged plain scalar.
    static func implicit(_ text: String) -> Resolved {
        guard let first = text.utf8.first else { return .value(.null) }
        let hintsNumber = first == UInt8(ascii: "+") || first == UInt8(ascii: "-") || (0x30...0x39).contains(first)
        let hintsMap = "yYnNtTfFoO~".utf8.contains(first)
        let hintsFloat = first == UInt8(ascii: ".")
        guard hintsNumber || hintsMap || hintsFloat else { return .value(.string(text)) }
        if let bool = booleans[text] { return .value(.bool(bool)) }
        if nulls.contains(text) { return .value(.null) }
        if nonFinite.contains(text) { return .nonFinite }
        if hintsFloat {
            // strconv.ParseFloat on the text as written: `.5`, `.5e3` (no underscores).
            let bytes = Array(text.utf8)
            if isFloatSyntax(bytes[...]), let json = floatJSON(bytes) { return .value(.number(json)) }
        } else if hintsNumber {
            let plain = Array(text.utf8).filter { $0 != UInt8(ascii: "_") }
            if let integer = goInteger(plain) { return .value(.number(integer)) }
            if isFloatSyntax(plain[...]), let json = floatJSON(plain) { return .value(.number(json)) }
        }
        return .value(.string(text))
    }

    /// strconv.ParseInt(s, 0, 64), else ParseUint(s, 0, 64): the value in decimal.
    static func goInteger(_ bytes: [UInt8]) -> String? {
        var digits = bytes[...]
        var negative = false
        if let sign = digits.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            digits = digits.dropFirst()
        }
        var base: UInt64 = 10
        if digits.count >= 2, digits.first == UInt8(ascii: "0") {
            switch digits[digits.startIndex + 1] | 0x20 {
            case UInt8(ascii: "x"): base = 16; digits = digits.dropFirst(2)
            case UInt8(ascii: "o"): base = 8; digits = digits.dropFirst(2)
            case UInt8(ascii: "b"): base = 2; digits = digits.dropFirst(2)
            default: base = 8; digits = digits.dropFirst()
            }
        }
        guard !digits.isEmpty else { return nil }
        var magnitude: UInt64 = 0
        for byte in digits {
            let value: UInt64
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt64(byte - 0x30)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = UInt64(byte - 0x61 + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = UInt64(byte - 0x41 + 10)
            default: return nil
            }
            guard value < base else { return nil }
            let (shifted, overflow1) = magnitude.multipliedReportingOverflow(by: base)
            let (sum, overflow2) = shifted.addingReportingOverflow(value)
            guard !overflow1, !overflow2 else { return nil }
            magnitude = sum
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == 0 ? "0" : "-" + String(magnitude)
        }
        // ParseUint takes no sign; beyond Int64 only an unsigned spelling is an integer.
        if magnitude > UInt64(Int64.max) && bytes.first == UInt8(ascii: "+") { return nil }
        return String(magnitude)
    }

    /// go-yaml's float syntax: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
    static func isFloatSyntax(_ bytes: ArraySlice<UInt8>) -> Bool {
        var i = bytes.startIndex
        func isDigit(_ index: Int) -> Bool { index < bytes.endIndex && (0x30...0x39).contains(bytes[index]) }
        if i < bytes.endIndex, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
        if i < bytes.endIndex, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard isDigit(i) else { return false }
            while isDigit(i) { i += 1 }
        } else {
            guard isDigit(i) else { return false }
            while isDigit(i) { i += 1 }
            if i < bytes.endIndex, bytes[i] == UInt8(ascii: ".") {
                i += 1
                while isDigit(i) { i += 1 }
            }
        }
        if i < bytes.endIndex, bytes[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < bytes.endIndex, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard isDigit(i) else { return false }
            while isDigit(i) { i += 1 }
        }
        return i == bytes.endIndex
    }

    /// The float as JSON number text, kept as written where JSON allows it
    /// (`+1.` → `1`, `.5` → `0.5`, `007.5` → `7.5`). nil when it overflows a
    /// float64, where strconv.ParseFloat fails and go-yaml keeps a string.
    static func floatJSON(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let double = Double(text), double.isFinite else { return nil }
        var rest = bytes[...]
        var out: [UInt8] = []
        if rest.first == UInt8(ascii: "+") { rest = rest.dropFirst() }
        if rest.first == UInt8(ascii: "-") { out.append(UInt8(ascii: "-")); rest = rest.dropFirst() }
        var integer = rest.prefix { (0x30...0x39).contains($0) }
        rest = rest.dropFirst(integer.count)
        while integer.count > 1, integer.first == UInt8(ascii: "0") { integer = integer.dropFirst() }
        out += integer.isEmpty ? [UInt8(ascii: "0")] : Array(integer)
        if rest.first == UInt8(ascii: ".") {
            rest = rest.dropFirst()
            let fraction = rest.prefix { (0x30...0x39).contains($0) }
            rest = rest.dropFirst(fraction.count)
            if !fraction.isEmpty { out.append(UInt8(ascii: ".")); out += fraction }
        }
        out += rest  // the exponent, already in JSON's syntax
        return String(decoding: out, as: UTF8.self)
    }

    /// A mapping key as sigs.k8s.io/yaml turns it into a JSON member name.
    static func keyText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s): s
        case .bool(let b): b ? "true" : "false"
        case .number(let n): n
        case .null, .array, .object: nil
        }
    }
}
