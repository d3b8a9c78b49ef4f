/// `CNI_ARGS`: `K=V;K=V`, kept in order. Setting a key that exists replaces it in
/// place, so a merged list never carries a key twice.
package struct CNIArgs: Sendable, Equatable, Sequence {
    package private(set) var pairs: [(key: String, value: String)]

    package init(_ pairs: [(String, String)] = []) {
        self.pairs = []
        for (k, v) in pairs { self[k] = v }
    }

    /// Split on bytes, as plugins do (Go's strings.Split): a `;` or `=` that a
    /// combining mark follows is one Character, yet still a separator.
    package init(parsing text: String) throws(CNIError) {
        self.init()
        for item in text.utf8.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: true) {
            guard let eq = item.firstIndex(of: UInt8(ascii: "=")), eq != item.startIndex else {
                throw .invalidEnv("CNI_ARGS: invalid pair \"\(String(decoding: item, as: UTF8.self))\" (expected KEY=VALUE)")
            }
            self[String(decoding: item[..<eq], as: UTF8.self)] = String(decoding: item[item.index(after: eq)...], as: UTF8.self)
        }
    }

    package subscript(key: String) -> String? {
        get { pairs.first { $0.key == key }?.value }
        set {
            let index = pairs.firstIndex { $0.key == key }
            switch (index, newValue) {
            case let (i?, v?): pairs[i].value = v
            case let (i?, nil): pairs.remove(at: i)
            case let (nil, v?): pairs.append((key, v))
            case (nil, nil): break
            }
        }
    }

    /// `other`'s values win; keys keep the position of their first appearance.
    package func merging(_ other: CNIArgs) -> CNIArgs {
        var merged = self
        for (k, v) in other.pairs { merged[k] = v }
        return merged
    }

    /// `IgnoreUnknown=1|true` tells plugins to skip keys they do not know.
    package var ignoreUnknown: Bool {
        guard let v = self["IgnoreUnknown"]?.lowercased() else { return false }
        return v == "1" || v == "true"
    }

    package var isEmpty: Bool { pairs.isEmpty }
    package var text: String {
        var out = ""
        for (i, pair) in pairs.enumerated() {
            if i > 0 { out += ";" }
            out += pair.key
            out += "="
            out += pair.value
        }
        return out
    }
    package func makeIterator() -> IndexingIterator<[(key: String, value: String)]> { pairs.makeIterator() }

    package static func == (a: CNIArgs, b: CNIArgs) -> Bool {
        a.pairs.count == b.pairs.count && zip(a.pairs, b.pairs).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    /// The libcni results cache stores args as `[[k, v], …]`.
    package var json: JSONValue { .array(pairs.map { .array([.string($0.key), .string($0.value)]) }) }

    package init(json: JSONValue?) {
        self.init()
        for pair in json?.arrayValue ?? [] {
            if let kv = pair.arrayValue, kv.count == 2, let k = kv[0].stringValue, let v = kv[1].stringValue { self[k] = v }
        }
    }
}
