/// HPACK's Huffman decoding (RFC 7541 §5.2): a binary tree built once from
/// `HuffmanTable`, walked bit by bit. The string must end with fewer than 8
/// padding bits, all ones (a prefix of EOS); EOS itself must not appear.
enum Huffman {
    enum Failure: Error, Equatable, CustomStringConvertible {
        case eosInString
        case badPadding

        var description: String {
            switch self {
            case .eosInString: "a Huffman-coded string contains EOS"
            case .badPadding: "a Huffman-coded string ends with invalid padding"
            }
        }
    }

    /// Node i has children at `tree[2i]` (bit 0) and `tree[2i+1]` (bit 1):
    /// a positive value is the child node's index, a negative one -(symbol+1).
    /// 0 (the root can be no one's child) marks a branch no code reaches,
    /// which a complete code has none of.
    private static let tree: [Int16] = {
        var tree: [Int16] = [0, 0]
        for (symbol, entry) in HuffmanTable.codes.enumerated() {
            var node = 0
            for i in stride(from: Int(entry.bits) - 1, through: 0, by: -1) {
                let slot = 2 * node + Int(entry.code >> UInt32(i) & 1)
                if i == 0 {
                    tree[slot] = Int16(-(symbol + 1))
                } else {
                    if tree[slot] == 0 {
                        tree[slot] = Int16(tree.count / 2)
                        tree += [0, 0]
                    }
                    node = Int(tree[slot])
                }
            }
        }
        return tree
    }()

    static func decode(_ bytes: ArraySlice<UInt8>) throws(Failure) -> [UInt8] {
        let tree = Self.tree
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 8 / 5)
        var node = 0
        // Bits read since the last symbol, and whether they were all ones.
        var pending = 0
        var allOnes = true
        for byte in bytes {
            for shift in stride(from: 7, through: 0, by: -1) {
                let bit = Int(byte >> UInt8(shift) & 1)
                let next = tree[2 * node + bit]
                pending += 1
                allOnes = allOnes && bit == 1
                if next < 0 {
                    let symbol = Int(-next) - 1
                    if symbol == HuffmanTable.eos { throw .eosInString }
                    out.append(UInt8(symbol))
                    node = 0
                    pending = 0
                    allOnes = true
                } else {
                    node = Int(next)
                }
            }
        }
        // §5.2: padding longer than 7 bits, or not from EOS, is an error.
        guard pending < 8, allOnes else { throw .badPadding }
        return out
    }

    /// Encoding is not needed to send requests (literals go out raw); the
    /// tests use it to check the decoder against every symbol.
    static func encode(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var acc: UInt64 = 0
        var bits = 0
        for b in bytes {
            let entry = HuffmanTable.codes[Int(b)]
            acc = acc << UInt64(entry.bits) | UInt64(entry.code)
            bits += Int(entry.bits)
            while bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt64(bits)))
            }
            acc &= (1 << UInt64(bits)) - 1
        }
        if bits > 0 { out.append(UInt8(truncatingIfNeeded: acc << UInt64(8 - bits) | (0xFF >> UInt64(bits)))) }
        return out
    }
}
