import Testing
import ProtobufWire

@Suite("protobuf wire format: reader and writer")
struct ProtobufWireTests {
    @Test("the encoding guide's examples: 150, \"testing\", an embedded message")
    func encodingGuideExamples() throws {
        var w = ProtobufWriter()
        w.int32(1, 150)
        #expect(w.bytes == [0x08, 0x96, 0x01])
        w = ProtobufWriter()
        w.string(2, "testing")
        #expect(w.bytes == [0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6E, 0x67])
        w = ProtobufWriter()
        w.message(3) { $0.int32(1, 150) }
        #expect(w.bytes == [0x1A, 0x03, 0x08, 0x96, 0x01])

        var r = ProtobufReader([0x1A, 0x03, 0x08, 0x96, 0x01])
        let outer = try #require(try r.next())
        #expect(outer.number == 3)
        var inner = try outer.message()
        #expect(try inner.next()?.int32() == 150)
        #expect(try inner.next() == nil)
        #expect(try r.next() == nil)
    }

    @Test("every scalar round-trips, negatives and zigzag included")
    func scalarsRoundTrip() throws {
        var w = ProtobufWriter()
        w.int32(1, -1)
        w.int64(2, Int64.min)
        w.uint64(3, UInt64.max)
        w.sint64(4, -3)
        w.bool(5, true)
        w.fixed32(6, 0xDEADBEEF)
        w.fixed64(7, 0x0123_4567_89AB_CDEF)
        w.double(8, 2.5)
        w.float(9, -0.75)
        w.bytes(10, [0, 255])
        w.uint32(11, UInt32.max)
        #expect(w.bytes.prefix(11) == [0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], "int32 -1 takes 10 bytes")

        var r = ProtobufReader(w.bytes)
        #expect(try r.next()?.int32() == -1)
        #expect(try r.next()?.int64() == Int64.min)
        #expect(try r.next()?.uint64() == UInt64.max)
        #expect(try r.next()?.sint64() == -3)
        #expect(try r.next()?.bool() == true)
        #expect(try r.next()?.fixed32() == 0xDEADBEEF)
        #expect(try r.next()?.fixed64() == 0x0123_4567_89AB_CDEF)
        #expect(try r.next()?.double() == 2.5)
        #expect(try r.next()?.float() == -0.75)
        #expect(try r.next()?.bytes() == [0, 255])
        #expect(try r.next()?.uint32() == UInt32.max)
        #expect(try r.next() == nil)
    }

    @Test("unknown fields of every wire type are skipped")
    func unknownFieldsSkipped() throws {
        var w = ProtobufWriter()
        w.uint64(7, 123_456)
        w.fixed64(8, 1)
        w.string(1, "kept")
        w.message(9) { $0.string(1, "nested unknown") }
        w.fixed32(10, 2)
        w.uint64(536_870_911, 1)   // the largest field number
        w.string(2, "also kept")
        var r = ProtobufReader(w.bytes)
        var kept: [String] = []
        while let field = try r.next() {
            switch field.number {
            case 1, 2: kept.append(try field.string())
            default: break
            }
        }
        #expect(kept == ["kept", "also kept"])
    }

    @Test("repeated varints: packed and unpacked both read")
    func packedAndUnpacked() throws {
        var w = ProtobufWriter()
        w.packedVarints(3, [2, 3, 300])
        w.uint64(3, 4)
        var r = ProtobufReader(w.bytes)
        var values: [UInt64] = []
        while let f = try r.next() { values += try f.varints() }
        #expect(values == [2, 3, 300, 4])
    }

    @Test("truncated input is refused wherever it ends", arguments: [
        [0x08],                    // a tag without its varint
        [0x08, 0x96],              // a varint missing its last byte
        [0x12, 0x07, 0x74, 0x65],  // a string shorter than announced
        [0x09, 1, 2, 3],           // a 64-bit value of 3 bytes
        [0x0D, 1],                 // a 32-bit value of 1 byte
        [0x96],                    // a tag cut in two
    ] as [[UInt8]])
    func truncated(bytes: [UInt8]) {
        var r = ProtobufReader(bytes)
        let error = #expect(throws: WireError.self) { while try r.next() != nil {} }
        guard case .truncated = error else { Issue.record("\(String(describing: error))"); return }
        #expect(error?.description.hasPrefix("truncated protobuf message") == true)
    }

    @Test("groups, unassigned wire types and field number 0 are refused with a clear error")
    func unsupported() {
        var groups = ProtobufReader([0x0B, 0x08, 0x01, 0x0C])   // field 1 start group … end group
        let error = #expect(throws: WireError.unsupportedWireType(3, field: 1, offset: 0)) { try groups.next() }
        #expect(error?.description == "protobuf groups are not supported (field 1, wire type 3, at byte 0)")
        var six = ProtobufReader([0x0E])
        #expect(throws: WireError.unsupportedWireType(6, field: 1, offset: 0)) { try six.next() }
        var zero = ProtobufReader([0x00, 0x01])
        #expect(throws: WireError.invalidFieldNumber(0, offset: 0)) { try zero.next() }
    }

    @Test("a varint of more than 64 bits is malformed")
    func overlongVarint() {
        var r = ProtobufReader([0x08] + [UInt8](repeating: 0xFF, count: 10) + [0x01])
        #expect(throws: WireError.malformedVarint(offset: 1)) { try r.next() }
        var tenth = ProtobufReader([0x08] + [UInt8](repeating: 0xFF, count: 9) + [0x02])
        #expect(throws: WireError.malformedVarint(offset: 1)) { try tenth.next() }
    }

    @Test("reading a field as the wrong type, invalid UTF-8 and out-of-range values are errors")
    func typeErrors() throws {
        var w = ProtobufWriter()
        w.uint64(1, 2)
        w.bytes(2, [0xC3, 0x28])
        w.uint64(3, UInt64(UInt32.max) + 1)
        var r = ProtobufReader(w.bytes)
        let one = try #require(try r.next())
        #expect(throws: WireError.wrongWireType(field: 1, expected: .lengthDelimited, found: .varint)) { try one.string() }
        #expect(throws: WireError.outOfRange(field: 1, value: 2)) { try one.bool() }
        let two = try #require(try r.next())
        #expect(throws: WireError.invalidUTF8(field: 2)) { try two.string() }
        let three = try #require(try r.next())
        #expect(throws: WireError.outOfRange(field: 3, value: 1 << 32)) { try three.uint32() }
        #expect(throws: WireError.outOfRange(field: 3, value: 1 << 32)) { try three.int32() }
    }

    @Test("nesting is bounded: a reader refuses to go deeper than its limit")
    func depthLimit() throws {
        var bytes: [UInt8] = []
        for _ in 0..<100 {
            var w = ProtobufWriter()
            w.bytes(1, bytes)
            bytes = w.bytes
        }
        func depth(limit: Int) throws(WireError) -> Int {
            var reader = ProtobufReader(bytes, depthLimit: limit)
            var levels = 0
            while let field = try reader.next() {
                reader = try field.message()
                levels += 1
            }
            return levels
        }
        #expect(try depth(limit: 100) == 100)
        #expect(throws: WireError.tooDeep(limit: 64)) { try depth(limit: 64) }
    }

    @Test("map entries and proto3 defaults")
    func mapsAndDefaults() throws {
        var w = ProtobufWriter()
        w.mapEntry(6, key: "k", value: "v")
        w.stringIfSet(1, "")
        w.int64IfSet(2, 0)
        w.boolIfSet(3, false)
        #expect(w.bytes == [0x32, 0x06, 0x0A, 0x01, 0x6B, 0x12, 0x01, 0x76])
    }
}
