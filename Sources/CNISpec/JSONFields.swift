/// Typed reads of the optional fields of one JSON object — the one reader the
/// configuration, the annotation and result parsers share. Errors name the
/// field by its path ("logOptions.maxAge", "ips[1].address"); `null` counts as
/// absent, as in Go.
package struct JSONFields: Sendable {
    package let object: JSONObject
    package let path: String
    /// Turns "<field> <problem>" into the error to throw (code and wording of the caller).
    let failure: @Sendable (String) -> CNIError

    package init(_ object: JSONObject, path: String = "",
                 failure: @escaping @Sendable (String) -> CNIError = { .invalidConfig($0) }) {
        self.object = object
        self.path = path
        self.failure = failure
    }

    package func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    package func fail(_ key: String, _ problem: String) -> CNIError { failure("\(field(key)) \(problem)") }

    package func value(_ key: String) -> JSONValue? {
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    package func string(_ key: String) throws(CNIError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let s) = value else { throw fail(key, "must be a string, not \(value.kindName)") }
        return s
    }

    /// A string where "" means the same as absent (Go's zero value).
    package func nonEmptyString(_ key: String) throws(CNIError) -> String? {
        try string(key).flatMap { $0.isEmpty ? nil : $0 }
    }

    package func bool(_ key: String) throws(CNIError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let b) = value else { throw fail(key, "must be a boolean, not \(value.kindName)") }
        return b
    }

    package func int(_ key: String) throws(CNIError) -> Int? {
        guard let value = value(key) else { return nil }
        guard case .number(let text) = value else { throw fail(key, "must be an integer, not \(value.kindName)") }
        guard let n = Int(text) else { throw fail(key, "must be an integer, not \(text)") }
        return n
    }

    package func array(_ key: String) throws(CNIError) -> [JSONValue]? {
        guard let value = value(key) else { return nil }
        guard case .array(let elements) = value else { throw fail(key, "must be an array, not \(value.kindName)") }
        return elements
    }

    package func strings(_ key: String) throws(CNIError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard case .array(let elements) = value else { throw fail(key, "must be an array of strings, not \(value.kindName)") }
        var out: [String] = []
        for (i, element) in elements.enumerated() {
            guard case .string(let s) = element else { throw fail("\(key)[\(i)]", "must be a string, not \(element.kindName)") }
            out.append(s)
        }
        return out
    }

    package func objectValue(_ key: String) throws(CNIError) -> JSONObject? {
        guard let value = value(key) else { return nil }
        guard case .object(let o) = value else { throw fail(key, "must be an object, not \(value.kindName)") }
        return o
    }

    /// The member as a nested reader whose errors carry this path.
    package func object(_ key: String) throws(CNIError) -> JSONFields? {
        try objectValue(key).map { JSONFields($0, path: field(key), failure: failure) }
    }

    package func objects(_ key: String) throws(CNIError) -> [JSONFields] {
        guard let elements = try array(key) else { return [] }
        var out: [JSONFields] = []
        for (i, element) in elements.enumerated() {
            guard case .object(let o) = element else { throw fail("\(key)[\(i)]", "must be an object, not \(element.kindName)") }
            out.append(JSONFields(o, path: field("\(key)[\(i)]"), failure: failure))
        }
        return out
    }
}
