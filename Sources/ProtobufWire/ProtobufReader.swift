/// Reads the fields of one protobuf message in wire order, without a schema:
/// the caller switches on `field.number` and ignores what it does not know,
/// which is how unknown fields are skipped. Nothing here recurses; a nested
/// message is read by a new reader from `field.message()`, which counts the
/// depth and refuses to go past `depthLimit`.
///
///     var reader = ProtobufReader(bytes)
///     while let field = try reader.next() {
///         switch field.number {
///         case 1: name = try field.string()
///         default: break   // unknown: skipped
///         }
///     }
package struct ProtobufReader: Sendable {
    package static let defaultDepthLimit = 64

    private let bytes: ArraySlice<UInt8>
    private var offset: Int
    package let depth: Int
    package let depthLimit: Int

    package init(_ bytes: [UInt8], depthLimit: Int = ProtobufReader.defaultDepthLimit) {
        self.init(bytes[...], depth: 0, depthLimit: depthLimit)
    }

    package init(_ bytes: ArraySlice<UInt8>, depth: Int = 0, depthLimit: Int = ProtobufReader.defaultDepthLimit) {
        self.bytes = bytes
        self.offset = bytes.startIndex
        self.depth = depth
        self.depthLimit = depthLimit
    }

    package var isAtEnd: Bool { offset >= bytes.endIndex }

    /// The next field, or nil at the end of the message.
    package mutating func next() throws(WireError) -> WireField? {
        guard !isAtEnd else { return nil }
        let tagOffset = offset
        let tag = try readVarint(reading: "a field tag")
        let number = tag >> 3
        guard number > 0, number <= 0x1FFF_FFFF else { throw .invalidFieldNumber(number, offset: tagOffset) }
        let field = Int(number)
        let value: WireField.Value
        switch UInt8(tag & 7) {
        case 0:
            value = .varint(try readVarint(reading: "the varint of field \(field)"))
        case 1:
            value = .fixed64(try readFixed(8, field: field))
        case 2:
            let lengthOffset = offset
            let length = try readVarint(reading: "the length of field \(field)")
            guard length <= UInt64(bytes.endIndex - offset) else {
                throw .truncated(offset: bytes.endIndex - bytes.startIndex,
                                 reading: "field \(field) (\(length) bytes announced at byte \(lengthOffset - bytes.startIndex))")
            }
            value = .lengthDelimited(bytes[offset..<(offset + Int(length))])
            offset += Int(length)
        case 5:
            value = .fixed32(UInt32(try readFixed(4, field: field)))
        case let other:
            throw .unsupportedWireType(other, field: field, offset: tagOffset - bytes.startIndex)
        }
        return WireField(number: field, value: value, depth: depth, depthLimit: depthLimit)
    }

    private mutating func readVarint(reading what: String) throws(WireError) -> UInt64 {
        let start = offset
        do {
            return try Varint.decode(bytes, at: &offset)
        } catch .truncated {
            throw .truncated(offset: bytes.endIndex - bytes.startIndex, reading: what)
        } catch {
            throw .malformedVarint(offset: start - bytes.startIndex)
        }
    }

    private mutating func readFixed(_ size: Int, field: Int) throws(WireError) -> UInt64 {
        guard bytes.endIndex - offset >= size else {
            throw .truncated(offset: bytes.endIndex - bytes.startIndex, reading: "the \(size * 8)-bit value of field \(field)")
        }
        var value: UInt64 = 0
        for i in 0..<size { value |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        offset += size
        return value
    }
}
