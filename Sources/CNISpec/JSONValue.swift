/// A JSON document kept exactly as it was written: object members keep their
/// order and numbers keep their text, so a delegate config passes through us
/// unchanged and 64-bit integers never round-trip through a Double.
package enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's literal text, validated against the JSON grammar.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// An ordered JSON object. Small objects (CNI configs have a handful of keys)
/// are searched linearly; past `indexThreshold` members a key index keeps
/// lookups constant-time, so a hostile object with 100k keys parses in linear time.
package struct JSONObject: Sendable, Equatable, Sequence {
    package struct Member: Sendable, Equatable {
        package var key: String
        package var value: JSONValue
    }

    package private(set) var members: [Member]
    private var index: [String: Int]?
    private static let indexThreshold = 16

    package init(_ members: [(String, JSONValue)] = []) {
        self.members = []
        for (key, value) in members { self[key] = value }
    }

    package var keys: [String] { members.map(\.key) }
    package var isEmpty: Bool { members.isEmpty }
    package var count: Int { members.count }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        return members.firstIndex { $0.key == key }
    }

    /// Setting a key that exists replaces its value in place; `nil` removes it.
    package subscript(key: String) -> JSONValue? {
        get { position(of: key).map { members[$0].value } }
        set {
            switch (position(of: key), newValue) {
            case let (i?, value?): members[i].value = value
            case let (i?, nil):
                members.remove(at: i)
                if index != nil { rebuildIndex() }
            case let (nil, value?):
                members.append(Member(key: key, value: value))
                if index != nil { index![key] = members.count - 1 } else if members.count > Self.indexThreshold { rebuildIndex() }
            case (nil, nil): break
            }
        }
    }

    private mutating func rebuildIndex() {
        var built: [String: Int] = [:]
        built.reserveCapacity(members.count)
        for (i, member) in members.enumerated() { built[member.key] = i }
        index = built
    }

    package func makeIterator() -> IndexingIterator<[Member]> { members.makeIterator() }

    /// Equality ignores member order, as JSON does.
    package static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        return lhs.members.allSatisfy { rhs[$0.key] == $0.value }
    }
}

extension JSONValue {
    package subscript(key: String) -> JSONValue? {
        get { if case .object(let o) = self { return o[key] } else { return nil } }
        set {
            guard case .object(var o) = self else { return }
            o[key] = newValue
            self = .object(o)
        }
    }

    package var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    package var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    package var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    package var objectValue: JSONObject? { if case .object(let o) = self { o } else { nil } }
    package var isNull: Bool { self == .null }
    /// The number as an exact integer, if it is one.
    package var intValue: Int? { if case .number(let n) = self { Int(n) } else { nil } }

    package static func int(_ value: Int) -> JSONValue { .number(String(value)) }

    /// A short name of the kind, for error messages ("expected a string, got an array").
    package var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral,
    ExpressibleByNilLiteral
{
    package init(stringLiteral value: String) { self = .string(value) }
    package init(booleanLiteral value: Bool) { self = .bool(value) }
    package init(integerLiteral value: Int) { self = .int(value) }
    package init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    package init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
    package init(nilLiteral: ()) { self = .null }
}
