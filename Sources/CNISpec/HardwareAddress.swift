/// Hardware address syntax as Go's `net.ParseMAC` accepts it: 6-byte MACs,
/// 8-byte EUI-64 and 20-byte InfiniBand addresses, written with ':' or '-'
/// between bytes, or as dot-separated groups of four hex digits.
package enum HardwareAddress {
    package static func isValid(_ text: String) -> Bool {
        let validLengths: Set<Int> = [6, 8, 20]
        let bytes = Array(text.utf8)
        if bytes.count >= 14, bytes[4] == UInt8(ascii: ".") {
            let groups = text.split(separator: ".", omittingEmptySubsequences: false)
            return validLengths.contains(groups.count * 2)
                && groups.allSatisfy { $0.utf8.count == 4 && $0.utf8.allSatisfy(IPText.isHex) }
        }
        guard bytes.count >= 14, bytes[2] == UInt8(ascii: ":") || bytes[2] == UInt8(ascii: "-") else { return false }
        let separator = Character(Unicode.Scalar(bytes[2]))
        let parts = text.split(separator: separator, omittingEmptySubsequences: false)
        return validLengths.contains(parts.count) && parts.allSatisfy { $0.utf8.count == 2 && $0.utf8.allSatisfy(IPText.isHex) }
    }
}
