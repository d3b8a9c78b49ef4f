import Testing
@testable import UnaryGRPC

@Suite("HPACK decoder (RFC 7541 Appendix C)")
struct HPACKDecoderTests {
    typealias Fields = [(String, String)]

    private func expectFields(_ actual: [(name: String, value: String)], _ expected: Fields,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.map { "\($0.name): \($0.value)" } == expected.map { "\($0.0): \($0.1)" }, sourceLocation: sourceLocation)
    }

    private func expectTable(_ decoder: HPACKDecoder, _ expected: Fields, size: Int,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(decoder.dynamic.map { "\($0.header.name): \($0.header.value)" } == expected.map { "\($0.0): \($0.1)" },
                sourceLocation: sourceLocation)
        #expect(decoder.tableSize == size, sourceLocation: sourceLocation)
    }

    @Test("C.2: one field of each representation")
    func singleFields() throws {
        var d = HPACKDecoder()
        expectFields(try d.decode(hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572")),
                     [("custom-key", "custom-header")])
        expectTable(d, [("custom-key", "custom-header")], size: 55)

        d = HPACKDecoder()
        expectFields(try d.decode(hex("040c 2f73 616d 706c 652f 7061 7468")), [(":path", "/sample/path")])
        expectTable(d, [], size: 0)

        d = HPACKDecoder()
        expectFields(try d.decode(hex("1008 7061 7373 776f 7264 0673 6563 7265 74")), [("password", "secret")])
        expectTable(d, [], size: 0)

        d = HPACKDecoder()
        expectFields(try d.decode(hex("82")), [(":method", "GET")])
        expectTable(d, [], size: 0)
    }

    static let requests: [(plain: String, huffman: String)] = [
        ("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d", "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"),
        ("8286 84be 5808 6e6f 2d63 6163 6865", "8286 84be 5886 a8eb 1064 9cbf"),
        ("8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
         "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"),
    ]

    @Test("C.3 and C.4: three requests on one connection, plain and Huffman", arguments: [false, true])
    func requests(huffman: Bool) throws {
        var d = HPACKDecoder()
        let blocks = Self.requests.map { hex(huffman ? $0.huffman : $0.plain) }
        expectFields(try d.decode(blocks[0]), [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com")])
        expectTable(d, [(":authority", "www.example.com")], size: 57)
        expectFields(try d.decode(blocks[1]), [(":method", "GET"), (":scheme", "http"), (":path", "/"),
                                               (":authority", "www.example.com"), ("cache-control", "no-cache")])
        expectTable(d, [("cache-control", "no-cache"), (":authority", "www.example.com")], size: 110)
        expectFields(try d.decode(blocks[2]), [(":method", "GET"), (":scheme", "https"), (":path", "/index.html"),
                                               (":authority", "www.example.com"), ("custom-key", "custom-value")])
        expectTable(d, [("custom-key", "custom-value"), ("cache-control", "no-cache"), (":authority", "www.example.com")], size: 164)
    }

    static let responses: [(plain: String, huffman: String)] = [
        ("4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
         "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3"),
        ("4803 3330 37c1 c0bf", "4883 640e ffc1 c0bf"),
        ("88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31",
         "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07"),
    ]

    @Test("C.5 and C.6: three responses with a 256-byte table, evicting as they go", arguments: [false, true])
    func responses(huffman: Bool) throws {
        var d = HPACKDecoder(maxTableSize: 256)
        let blocks = Self.responses.map { hex(huffman ? $0.huffman : $0.plain) }
        let date1 = "Mon, 21 Oct 2013 20:13:21 GMT", date2 = "Mon, 21 Oct 2013 20:13:22 GMT"
        let location = "https://www.example.com"
        expectFields(try d.decode(blocks[0]), [(":status", "302"), ("cache-control", "private"), ("date", date1), ("location", location)])
        expectTable(d, [("location", location), ("date", date1), ("cache-control", "private"), (":status", "302")], size: 222)
        expectFields(try d.decode(blocks[1]), [(":status", "307"), ("cache-control", "private"), ("date", date1), ("location", location)])
        expectTable(d, [(":status", "307"), ("location", location), ("date", date1), ("cache-control", "private")], size: 222)
        let cookie = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"
        expectFields(try d.decode(blocks[2]), [(":status", "200"), ("cache-control", "private"), ("date", date2),
                                               ("location", location), ("content-encoding", "gzip"), ("set-cookie", cookie)])
        expectTable(d, [("set-cookie", cookie), ("content-encoding", "gzip"), ("date", date2)], size: 215)
    }

    @Test("dynamic table size updates: shrink evicts, 0 empties, over the SETTINGS value or after a field is refused")
    func tableSizeUpdates() throws {
        var d = HPACKDecoder(maxTableSize: 4096)
        _ = try d.decode(hex("400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65"))
        #expect(d.dynamic.count == 1)
        // 0x20: size update to 0, then an indexed static field.
        expectFields(try d.decode([0x20, 0x82]), [(":method", "GET")])
        expectTable(d, [], size: 0)
        // Back to 4096 (0x3f e1 1f: 31 + 4065 in 5-bit-prefix form), then a literal is indexed again.
        _ = try d.decode([0x3F, 0xE1, 0x1F] + hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"))
        expectTable(d, [("custom-key", "custom-header")], size: 55)
        #expect(d.maxTableSize == 4096)
        // 4097 > the 4096 we allow.
        #expect(throws: UnaryGRPCError.compression("table size update to 4097, over the 4096 allowed")) {
            try d.decode([0x3F, 0xE2, 0x1F])
        }
        #expect(throws: UnaryGRPCError.compression("a table size update after the first field of a block")) {
            try d.decode([0x82, 0x20])
        }
    }

    @Test("an entry larger than the table empties it and is not added")
    func oversizedEntry() throws {
        var d = HPACKDecoder(maxTableSize: 60)
        _ = try d.decode(hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"))
        #expect(d.tableSize == 55)
        let long = String(repeating: "v", count: 40)
        expectFields(try d.decode([0x40, 0x01, UInt8(ascii: "k"), UInt8(long.utf8.count)] + Array(long.utf8)), [("k", long)])
        expectTable(d, [], size: 0)
    }

    @Test("bad blocks: unknown index, index 0, truncated string and integer, oversized list")
    func badBlocks() {
        var d = HPACKDecoder()
        #expect(throws: UnaryGRPCError.self) { try d.decode([0xBE]) }          // 62: empty dynamic table
        #expect(throws: UnaryGRPCError.self) { try d.decode([0x80]) }          // index 0
        #expect(throws: UnaryGRPCError.self) { try d.decode([0x04, 0x0C, 0x2F]) }
        #expect(throws: UnaryGRPCError.self) { try d.decode([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) }
        var small = HPACKDecoder(maxHeaderListSize: 40)
        #expect(throws: UnaryGRPCError.compression("the header list exceeds 40 bytes")) {
            try small.decode(hex("040c 2f73 616d 706c 652f 7061 7468"))
        }
    }

    @Test("the request encoder's blocks decode to the same fields")
    func encoderRoundTrip() throws {
        let fields: [(name: String, value: String)] = [(":path", "/v1.PodResourcesLister/List"), ("x", String(repeating: "y", count: 300))]
        var d = HPACKDecoder()
        expectFields(try d.decode(HPACKEncoder.block(fields)), fields.map { ($0.name, $0.value) })
        expectTable(d, [], size: 0)
    }
}
