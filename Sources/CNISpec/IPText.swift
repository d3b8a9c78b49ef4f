/// Syntax checks for IP and CIDR text, accepting what Go's `net.ParseIP` and
/// `net.ParseCIDR` accept (no zones, no leading zeros in IPv4 octets).
package enum IPText {
    package static func isIP(_ s: String) -> Bool { isIP(s[...]) }

    static func isIP(_ s: Substring) -> Bool {
        s.utf8.contains(UInt8(ascii: ":")) ? isIPv6(Array(s.utf8)) : isIPv4(Array(s.utf8)[...])
    }

    /// "address/bits" with bits at most 32 (IPv4) or 128 (IPv6).
    package static func isCIDR(_ s: String) -> Bool {
        guard let slash = s.firstIndex(of: "/") else { return false }
        let address = s[..<slash]
        let bits = s.utf8[s.utf8.index(after: slash)...]
        guard !bits.isEmpty, bits.allSatisfy(isDigit), isIP(address) else { return false }
        let significant = bits.drop { $0 == UInt8(ascii: "0") }
        guard significant.count <= 3 else { return false }
        let value = significant.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        return value <= (address.utf8.contains(UInt8(ascii: ":")) ? 128 : 32)
    }

    static func isDigit(_ b: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) }

    static func isHex(_ b: UInt8) -> Bool {
        isDigit(b) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(b)
    }

    static func isIPv4(_ b: ArraySlice<UInt8>) -> Bool {
        let parts = b.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            guard (1...3).contains(part.count), part.allSatisfy(isDigit) else { return false }
            guard part.count == 1 || part.first != UInt8(ascii: "0") else { return false }
            return part.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) } <= 255
        }
    }

    /// Eight groups of 1–4 hex digits, one "::" standing for at least one zero
    /// group, and optionally an IPv4 address as the last two groups.
    static func isIPv6(_ b: [UInt8]) -> Bool {
        let colon = UInt8(ascii: ":")
        var i = 0
        var groups = 0
        var ellipsis = false
        if b.starts(with: [colon, colon]) {
            ellipsis = true
            i = 2
        } else if b.first == colon {
            return false
        }
        while i < b.count {
            var j = i
            while j < b.count, isHex(b[j]) { j += 1 }
            if j < b.count, b[j] == UInt8(ascii: ".") {
                guard isIPv4(b[i...]) else { return false }
                groups += 2
                break
            }
            guard (1...4).contains(j - i) else { return false }
            groups += 1
            i = j
            if i == b.count { break }
            guard b[i] == colon, i + 1 < b.count else { return false }
            i += 1
            if b[i] == colon {
                guard !ellipsis else { return false }
                ellipsis = true
                i += 1
            }
        }
        return ellipsis ? groups < 8 : groups == 8
    }
}
