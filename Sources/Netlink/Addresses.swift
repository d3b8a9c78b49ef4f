import CNetlink
import Glibc

/// Converting between libnl's `nl_addr` and the text forms used in CNI results.
enum Addresses {
    /// "10.1.2.3", "fd00::1"; nil for an empty or non-IP address.
    static func ip(_ addr: OpaquePointer?) -> String? {
        guard let addr, let bytes = nl_addr_get_binary_addr(addr) else { return nil }
        let family = nl_addr_get_family(addr)
        let expected = family == AF_INET ? 4 : family == AF_INET6 ? 16 : -1
        guard Int(nl_addr_get_len(addr)) == expected else { return nil }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(family, bytes, &text, socklen_t(text.count)) != nil else { return nil }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Always "address/prefix". The kernel reports a default destination as an
    /// empty address, which libnl would print as "none"; spell it as CIDR.
    static func cidr(_ addr: OpaquePointer?, family: IPFamily) -> String {
        guard let addr, nl_addr_get_len(addr) > 0, let ip = ip(addr) else {
            return family == .v4 ? "0.0.0.0/0" : "::/0"
        }
        return "\(ip)/\(nl_addr_get_prefixlen(addr))"
    }

    /// "aa:bb:cc:dd:ee:ff" in lowercase; nil when the link has no L2 address.
    static func hardware(_ addr: OpaquePointer?) -> String? {
        guard let addr, let raw = nl_addr_get_binary_addr(addr) else { return nil }
        let count = Int(nl_addr_get_len(addr))
        guard count > 0 else { return nil }
        let bytes = UnsafeRawBufferPointer(start: raw, count: count)
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for (i, byte) in bytes.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ":")) }
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses an address or CIDR of the given family into a new `nl_addr`
    /// the caller must `nl_addr_put`. A bare address gets a full-length prefix.
    static func parse(_ text: String, family: IPFamily) throws(NetlinkError) -> OpaquePointer {
        var addr: OpaquePointer?
        guard nl_addr_parse(text, family.rawValue, &addr) >= 0, let addr else {
            throw .invalidAddress(text)
        }
        return addr
    }
}
