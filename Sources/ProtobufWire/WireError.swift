/// Why bytes are not a protobuf message this reader accepts. Offsets count
/// from the start of the buffer the reader was given.
package enum WireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The input ends inside a tag, a value or a length-delimited field.
    case truncated(offset: Int, reading: String)
    /// A varint longer than 10 bytes (or whose 10th byte overflows 64 bits).
    case malformedVarint(offset: Int)
    /// Field number 0, or one above 2^29 - 1.
    case invalidFieldNumber(UInt64, offset: Int)
    /// Groups (wire types 3 and 4, deprecated since proto2) and the unassigned 6 and 7.
    case unsupportedWireType(UInt8, field: Int, offset: Int)
    /// A field read as a type its wire type cannot hold.
    case wrongWireType(field: Int, expected: WireType, found: WireType)
    /// A string field that is not UTF-8.
    case invalidUTF8(field: Int)
    /// A varint that does not fit the field's declared type (int32, bool, …).
    case outOfRange(field: Int, value: UInt64)
    /// Messages nested deeper than the reader's limit.
    case tooDeep(limit: Int)

    package var description: String {
        switch self {
        case .truncated(let offset, let reading): "truncated protobuf message: input ends at byte \(offset) while reading \(reading)"
        case .malformedVarint(let offset): "malformed protobuf varint at byte \(offset) (more than 64 bits)"
        case .invalidFieldNumber(let n, let offset): "invalid protobuf field number \(n) at byte \(offset)"
        case .unsupportedWireType(let t, let field, let offset):
            t == 3 || t == 4
                ? "protobuf groups are not supported (field \(field), wire type \(t), at byte \(offset))"
                : "unknown protobuf wire type \(t) (field \(field), at byte \(offset))"
        case .wrongWireType(let field, let expected, let found):
            "protobuf field \(field) has wire type \(found), expected \(expected)"
        case .invalidUTF8(let field): "protobuf string field \(field) is not valid UTF-8"
        case .outOfRange(let field, let value): "protobuf field \(field): value \(value) is out of range for its type"
        case .tooDeep(let limit): "protobuf messages nested deeper than \(limit) levels"
        }
    }
}
