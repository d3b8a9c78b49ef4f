import Testing
@testable import UnaryGRPC

func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.filter { $0.isHexDigit })
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}

@Suite("HPACK Huffman code (RFC 7541 §5.2, Appendix B)")
struct HuffmanTests {
    @Test("the table is a complete canonical prefix code of 257 symbols")
    func tableIsCompleteAndCanonical() {
        let codes = HuffmanTable.codes
        #expect(codes.count == 257)
        // Kraft: a complete prefix code's 2^-len add up to exactly 1.
        #expect(codes.reduce(0) { $0 + (1 << (30 - Int($1.bits))) } == 1 << 30)
        // Canonical: ordered by (length, symbol), each code is the previous + 1, shifted to its length.
        let order = codes.indices.sorted { (codes[$0].bits, $0) < (codes[$1].bits, $1) }
        var expected: UInt32 = 0
        for (k, symbol) in order.enumerated() {
            if k > 0 { expected = (expected + 1) << UInt32(codes[symbol].bits - codes[order[k - 1]].bits) }
            #expect(codes[symbol].code == expected, "symbol \(symbol)")
        }
        #expect(codes[0] == (0x1ff8, 13) && codes[Int(UInt8(ascii: "a"))] == (0x3, 5) && codes[256] == (0x3fffffff, 30))
    }

    @Test("the RFC's Appendix C strings decode", arguments: [
        ("f1e3 c2e5 f23a 6ba0 ab90 f4ff", "www.example.com"),
        ("a8eb 1064 9cbf", "no-cache"),
        ("25a8 49e9 5ba9 7d7f", "custom-key"),
        ("25a8 49e9 5bb8 e8b4 bf", "custom-value"),
        ("6402", "302"),
        ("aec3 771a 4b", "private"),
        ("d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff", "Mon, 21 Oct 2013 20:13:21 GMT"),
        ("9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3", "https://www.example.com"),
        ("9bd9 ab", "gzip"),
        ("94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07",
         "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"),
    ])
    func appendixCStrings(encoded: String, text: String) throws {
        #expect(try Huffman.decode(hex(encoded)[...]) == Array(text.utf8))
        #expect(Huffman.encode(Array(text.utf8)) == hex(encoded))
    }

    @Test("every octet round-trips, alone and all together")
    func everySymbol() throws {
        for b in 0...255 {
            #expect(try Huffman.decode(Huffman.encode([UInt8(b)])[...]) == [UInt8(b)], "octet \(b)")
        }
        let all = (0...255).map(UInt8.init) + (0...255).reversed().map(UInt8.init)
        #expect(try Huffman.decode(Huffman.encode(all)[...]) == all)
        #expect(try Huffman.decode([][...]) == [])
    }

    @Test("EOS in the string, padding of 8 bits or more, and padding that is not ones are refused")
    func invalidStrings() {
        #expect(throws: Huffman.Failure.eosInString) { try Huffman.decode([0xFF, 0xFF, 0xFF, 0xFF][...]) }
        // 'a' = 00011, then 11 one-bits: more than 7 bits of padding.
        #expect(throws: Huffman.Failure.badPadding) { try Huffman.decode([0x1F, 0xFF][...]) }
        // 'a', then 000: padding that is not a prefix of EOS.
        #expect(throws: Huffman.Failure.badPadding) { try Huffman.decode([0x18][...]) }
    }
}
