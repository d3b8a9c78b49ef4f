/// Byte-level text checks for protocol tokens (header names, `close`,
/// `chunked`): `lowercased()` and substring search go through Unicode tables
/// and a generic searcher whose first use costs a protocol-conformance scan
/// of the whole binary, on every invocation.
enum ASCII {
    static func lower(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }

    static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { lower($0) == lower($1) }
    }

    /// Whether `needle` occurs in `haystack`, ASCII case ignored.
    static func contains(_ haystack: String, _ needle: String) -> Bool {
        let text = Array(haystack.utf8), pattern = Array(needle.utf8)
        guard !pattern.isEmpty else { return true }
        guard text.count >= pattern.count else { return false }
        for start in 0...(text.count - pattern.count) where lower(text[start]) == lower(pattern[0]) {
            if (1..<pattern.count).allSatisfy({ lower(text[start + $0]) == lower(pattern[$0]) }) { return true }
        }
        return false
    }
}
