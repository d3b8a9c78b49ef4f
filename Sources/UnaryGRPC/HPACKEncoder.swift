/// Request headers as an HPACK block: every field a literal without indexing
/// with a literal name and no Huffman coding (§6.2.2). The server keeps no
/// state for them, and the block needs no table to be read.
enum HPACKEncoder {
    static func block(_ headers: [(name: String, value: String)]) -> [UInt8] {
        var out: [UInt8] = []
        for (name, value) in headers {
            out.append(0x00)
            string(Array(name.utf8), into: &out)
            string(Array(value.utf8), into: &out)
        }
        return out
    }

    /// §5.2 with H = 0: a 7-bit-prefix length, then the octets.
    private static func string(_ bytes: [UInt8], into out: inout [UInt8]) {
        integer(bytes.count, prefix: 7, into: &out)
        out += bytes
    }

    /// §5.1; the prefix bits of the first octet are zero here.
    static func integer(_ value: Int, prefix: Int, firstByteFlags: UInt8 = 0, into out: inout [UInt8]) {
        let mask = (1 << prefix) - 1
        if value < mask {
            out.append(firstByteFlags | UInt8(value))
            return
        }
        out.append(firstByteFlags | UInt8(mask))
        var rest = value - mask
        while rest >= 128 {
            out.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        out.append(UInt8(rest))
    }
}
