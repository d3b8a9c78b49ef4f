/// Writes a protobuf message field by field. Every call writes its field,
/// default values included; proto3 leaves defaults out, so callers skip
/// them where the receiver must not see them (the `…IfSet` variants do).
package struct ProtobufWriter: Sendable {
    package private(set) var bytes: [UInt8] = []

    package init() {}

    private mutating func tag(_ field: Int, _ type: WireType) {
        precondition(field > 0 && field <= 0x1FFF_FFFF, "protobuf field numbers are 1…2^29-1")
        Varint.encode(UInt64(field) << 3 | UInt64(type.rawValue), into: &bytes)
    }

    package mutating func uint64(_ field: Int, _ value: UInt64) {
        tag(field, .varint)
        Varint.encode(value, into: &bytes)
    }

    /// int32, int64 and enums: negatives take 10 bytes (sign-extended).
    package mutating func int64(_ field: Int, _ value: Int64) { uint64(field, UInt64(bitPattern: value)) }
    package mutating func int32(_ field: Int, _ value: Int32) { int64(field, Int64(value)) }
    package mutating func uint32(_ field: Int, _ value: UInt32) { uint64(field, UInt64(value)) }
    package mutating func bool(_ field: Int, _ value: Bool) { uint64(field, value ? 1 : 0) }

    /// sint32/sint64 (zigzag).
    package mutating func sint64(_ field: Int, _ value: Int64) {
        uint64(field, UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    package mutating func fixed64(_ field: Int, _ value: UInt64) {
        tag(field, .fixed64)
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }

    package mutating func fixed32(_ field: Int, _ value: UInt32) {
        tag(field, .fixed32)
        for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt32(i)))) }
    }

    package mutating func double(_ field: Int, _ value: Double) { fixed64(field, value.bitPattern) }
    package mutating func float(_ field: Int, _ value: Float) { fixed32(field, value.bitPattern) }

    package mutating func bytes<C: Collection>(_ field: Int, _ value: C) where C.Element == UInt8 {
        tag(field, .lengthDelimited)
        Varint.encode(UInt64(value.count), into: &bytes)
        bytes.append(contentsOf: value)
    }

    package mutating func string(_ field: Int, _ value: String) { bytes(field, value.utf8) }

    /// An embedded message built by `body`.
    package mutating func message(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        body(&inner)
        bytes(field, inner.bytes)
    }

    /// One entry of a `map<string, string>` field (key = 1, value = 2).
    package mutating func mapEntry(_ field: Int, key: String, value: String) {
        message(field) {
            $0.string(1, key)
            $0.string(2, value)
        }
    }

    /// A packed repeated varint field.
    package mutating func packedVarints(_ field: Int, _ values: [UInt64]) {
        var payload: [UInt8] = []
        for v in values { Varint.encode(v, into: &payload) }
        bytes(field, payload)
    }

    // proto3 defaults left out.
    package mutating func stringIfSet(_ field: Int, _ value: String) { if !value.isEmpty { string(field, value) } }
    package mutating func int64IfSet(_ field: Int, _ value: Int64) { if value != 0 { int64(field, value) } }
    package mutating func boolIfSet(_ field: Int, _ value: Bool) { if value { bool(field, true) } }
}
