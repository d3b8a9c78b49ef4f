/// Base-128 varints: 7 bits a byte, least significant group first, the high
/// bit set on every byte but the last. At most 10 bytes for 64 bits.
enum Varint {
    enum Failure: Error { case truncated, malformed }

    /// Decodes the varint at `offset` and moves `offset` past it.
    static func decode(_ bytes: ArraySlice<UInt8>, at offset: inout Int) throws(Failure) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var i = offset
        while true {
            guard i < bytes.endIndex else { throw .truncated }
            let byte = bytes[i]
            i += 1
            // The 10th byte may only carry the 64th bit.
            if shift == 63 && byte > 1 { throw .malformed }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        offset = i
        return result
    }

    static func encode(_ value: UInt64, into out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }
}
