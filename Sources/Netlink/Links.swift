import CNetlink
import Glibc

/// A network interface as the kernel reports it.
package struct Link: Sendable, Equatable {
    package var name: String
    package var index: Int
    /// Lowercase colon hex ("0a:58:0a:f4:00:05"); nil without an L2 address.
    package var mac: String?
    package var mtu: Int
    /// Administratively up (IFF_UP), not necessarily with carrier.
    package var isUp: Bool

    package init(name: String, index: Int, mac: String?, mtu: Int, isUp: Bool) {
        self.name = name
        self.index = index
        self.mac = mac
        self.mtu = mtu
        self.isUp = isUp
    }

    init(_ link: OpaquePointer) {
        self.init(
            name: rtnl_link_get_name(link).map { String(cString: $0) } ?? "",
            index: Int(rtnl_link_get_ifindex(link)),
            mac: Addresses.hardware(rtnl_link_get_addr(link)),
            mtu: Int(rtnl_link_get_mtu(link)),
            isUp: rtnl_link_get_flags(link) & UInt32(IFF_UP) != 0)
    }
}

extension NetlinkSocket {
    /// The link called `name` in this socket's namespace, or nil if none.
    package func link(named name: String) throws(NetlinkError) -> Link? {
        // The kernel rejects names that cannot exist (IFNAMSIZ is 16 with
        // the NUL); for us they are simply absent.
        guard !name.isEmpty, name.utf8.count < 16 else { return nil }
        var link: OpaquePointer?
        let status = rtnl_link_get_kernel(handle, 0, name, &link)
        if status == -NLE_OBJ_NOTFOUND || status == -NLE_NODEV { return nil }
        try check("get link \(name)", status)
        guard let link else { return nil }
        defer { rtnl_link_put(link) }
        return Link(link)
    }

    /// All links in this socket's namespace, ordered by index.
    package func links() throws(NetlinkError) -> [Link] {
        var cache: OpaquePointer?
        try check("list links", rtnl_link_alloc_cache(handle, AF_UNSPEC, &cache))
        defer { nl_cache_free(cache) }
        var result: [Link] = []
        var object = nl_cache_get_first(cache)
        while let current = object {
            result.append(Link(current))
            object = nl_cache_get_next(current)
        }
        return result.sorted { $0.index < $1.index }
    }
}
