/// Typed views of a field, by the protobuf scalar type the schema declares.
/// Each checks the wire type; repeated scalars accept both packed and
/// unpacked encodings (a parser must, per the protobuf spec).
extension WireField {
    private func expect(_ type: WireType) throws(WireError) {
        guard value.wireType == type else { throw .wrongWireType(field: number, expected: type, found: value.wireType) }
    }

    package func uint64() throws(WireError) -> UInt64 {
        guard case .varint(let v) = value else { throw .wrongWireType(field: number, expected: .varint, found: value.wireType) }
        return v
    }

    /// int64 (two's complement in a 10-byte varint for negatives).
    package func int64() throws(WireError) -> Int64 { Int64(bitPattern: try uint64()) }

    /// int32: negatives are sign-extended to 64 bits on the wire.
    package func int32() throws(WireError) -> Int32 {
        let v = Int64(bitPattern: try uint64())
        guard let n = Int32(exactly: v) else { throw .outOfRange(field: number, value: UInt64(bitPattern: v)) }
        return n
    }

    package func uint32() throws(WireError) -> UInt32 {
        let v = try uint64()
        guard let n = UInt32(exactly: v) else { throw .outOfRange(field: number, value: v) }
        return n
    }

    /// sint32/sint64 (zigzag).
    package func sint64() throws(WireError) -> Int64 {
        let v = try uint64()
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    package func bool() throws(WireError) -> Bool {
        let v = try uint64()
        guard v <= 1 else { throw .outOfRange(field: number, value: v) }
        return v == 1
    }

    package func fixed64() throws(WireError) -> UInt64 {
        guard case .fixed64(let v) = value else { throw .wrongWireType(field: number, expected: .fixed64, found: value.wireType) }
        return v
    }

    package func fixed32() throws(WireError) -> UInt32 {
        guard case .fixed32(let v) = value else { throw .wrongWireType(field: number, expected: .fixed32, found: value.wireType) }
        return v
    }

    package func double() throws(WireError) -> Double { Double(bitPattern: try fixed64()) }
    package func float() throws(WireError) -> Float { Float(bitPattern: try fixed32()) }

    package func bytes() throws(WireError) -> ArraySlice<UInt8> {
        guard case .lengthDelimited(let b) = value else {
            throw .wrongWireType(field: number, expected: .lengthDelimited, found: value.wireType)
        }
        return b
    }

    package func string() throws(WireError) -> String {
        let b = try bytes()
        guard let s = String(validating: b, as: UTF8.self) else { throw .invalidUTF8(field: number) }
        return s
    }

    /// A reader for an embedded message, one level deeper.
    package func message() throws(WireError) -> ProtobufReader {
        let b = try bytes()
        guard depth + 1 <= depthLimit else { throw .tooDeep(limit: depthLimit) }
        return ProtobufReader(b, depth: depth + 1, depthLimit: depthLimit)
    }

    /// A repeated varint field's values in this occurrence: one value
    /// (unpacked) or all the packed ones.
    package func varints() throws(WireError) -> [UInt64] {
        switch value {
        case .varint(let v): return [v]
        case .lengthDelimited(let packed):
            var values: [UInt64] = []
            var i = packed.startIndex
            while i < packed.endIndex {
                let at = i
                do { values.append(try Varint.decode(packed, at: &i)) } catch .truncated {
                    throw .truncated(offset: packed.count, reading: "packed field \(number)")
                } catch {
                    throw .malformedVarint(offset: at - packed.startIndex)
                }
            }
            return values
        default:
            throw .wrongWireType(field: number, expected: .varint, found: value.wireType)
        }
    }
}
