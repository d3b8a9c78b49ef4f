import CNetlink
import Glibc

package enum IPFamily: Int32, Sendable {
    case v4 = 2   // AF_INET
    case v6 = 10  // AF_INET6
}

/// A unicast route with (at most) one next hop, as `ip route` shows it.
package struct Route: Sendable, Equatable {
    package static let mainTable: UInt32 = 254
    /// RT_SCOPE_UNIVERSE and RT_SCOPE_LINK, the scopes routes we add need.
    package static let universeScope: UInt8 = 0
    package static let linkScope: UInt8 = 253
    /// RTPROT_BOOT, what `ip route add` uses.
    package static let bootProtocol: UInt8 = 3

    /// Always CIDR; "0.0.0.0/0" or "::/0" for a default route.
    package var destination: String
    package var gateway: String?
    /// Output interface; nil when the kernel chooses it from the gateway.
    package var linkIndex: Int?
    package var family: IPFamily
    package var table: UInt32
    package var scope: UInt8
    package var `protocol`: UInt8
    /// The metric (RTA_PRIORITY).
    package var priority: UInt32

    /// The family follows from `destination`. Without an explicit scope, a
    /// route via a gateway is universe-scoped and a direct one link-scoped.
    package init(destination: String, gateway: String? = nil, linkIndex: Int? = nil,
                table: UInt32 = Route.mainTable, scope: UInt8? = nil,
                protocol: UInt8 = Route.bootProtocol, priority: UInt32 = 0) {
        self.destination = destination
        self.gateway = gateway
        self.linkIndex = linkIndex
        self.family = destination.contains(":") ? .v6 : .v4
        self.table = table
        self.scope = scope ?? (gateway == nil ? Route.linkScope : Route.universeScope)
        self.protocol = `protocol`
        self.priority = priority
    }

    package var isDefault: Bool { destination == "0.0.0.0/0" || destination == "::/0" }

    /// Multipath routes are described by their first next hop only.
    init?(_ object: OpaquePointer) {
        guard let family = IPFamily(rawValue: Int32(rtnl_route_get_family(object))) else { return nil }
        let nexthop = rtnl_route_get_nnexthops(object) > 0 ? rtnl_route_nexthop_n(object, 0) : nil
        let index = nexthop.map { Int(rtnl_route_nh_get_ifindex($0)) } ?? 0
        self.destination = Addresses.cidr(rtnl_route_get_dst(object), family: family)
        self.gateway = nexthop.flatMap { Addresses.ip(rtnl_route_nh_get_gateway($0)) }
        self.linkIndex = index > 0 ? index : nil
        self.family = family
        self.table = rtnl_route_get_table(object)
        self.scope = rtnl_route_get_scope(object)
        self.protocol = rtnl_route_get_protocol(object)
        self.priority = rtnl_route_get_priority(object)
    }
}

extension NetlinkSocket {
    /// The routes of one table (main by default), of one family or both.
    package func routes(family: IPFamily? = nil, table: UInt32 = Route.mainTable) throws(NetlinkError) -> [Route] {
        var found: [Route] = []
        try forEachRoute(family: family) { object in
            if let route = Route(object), route.table == table { found.append(route) }
            return false
        }
        return found
    }

    /// Adds `route`; fails with `.routeExists` rather than replacing one.
    package func addRoute(_ route: Route) throws(NetlinkError) {
        let destination = try Addresses.parse(route.destination, family: route.family)
        defer { nl_addr_put(destination) }
        let gateway = try route.gateway.map { (text) throws(NetlinkError) in
            try Addresses.parse(text, family: route.family)
        }
        defer { if let gateway { nl_addr_put(gateway) } }
        guard let object = rtnl_route_alloc(), let nexthop = rtnl_route_nh_alloc() else {
            throw .requestFailed(operation: "add route", code: -NLE_NOMEM)
        }
        defer { rtnl_route_put(object) }  // also frees the next hop

        _ = rtnl_route_set_family(object, UInt8(route.family.rawValue))
        _ = rtnl_route_set_type(object, UInt8(RTN_UNICAST))
        _ = rtnl_route_set_dst(object, destination)  // takes its own reference
        rtnl_route_set_table(object, route.table)
        rtnl_route_set_scope(object, route.scope)
        rtnl_route_set_protocol(object, route.protocol)
        rtnl_route_set_priority(object, route.priority)
        if let gateway { rtnl_route_nh_set_gateway(nexthop, gateway) }
        if let index = route.linkIndex { rtnl_route_nh_set_ifindex(nexthop, Int32(index)) }
        rtnl_route_add_nexthop(object, nexthop)

        let status = rtnl_route_add(handle, object, NLM_F_EXCL)
        if status == -NLE_EXIST { throw .routeExists(destination: route.destination) }
        try check("add route to \(route.destination)", status)
    }

    /// Deletes the kernel route equal to `route` (as `routes()` returned it).
    /// The kernel's own object is sent back, so every attribute it matches on
    /// (metric, protocol, scope, table, next hop) is exactly what it reported.
    package func deleteRoute(_ route: Route) throws(NetlinkError) {
        var status: Int32?
        try forEachRoute(family: route.family) { object in
            guard Route(object) == route else { return false }
            status = rtnl_route_delete(handle, object, 0)
            return true
        }
        guard let status, status != -NLE_OBJ_NOTFOUND else {
            throw .routeNotFound(destination: route.destination)
        }
        try check("delete route to \(route.destination)", status)
    }

    /// Dumps the kernel's routes and visits them until `visit` returns true.
    private func forEachRoute(family: IPFamily?,
                              _ visit: (OpaquePointer) -> Bool) throws(NetlinkError) {
        var cache: OpaquePointer?
        try check("list routes", rtnl_route_alloc_cache(handle, family?.rawValue ?? AF_UNSPEC, 0, &cache))
        defer { nl_cache_free(cache) }
        var object = nl_cache_get_first(cache)
        while let current = object, !visit(current) {
            object = nl_cache_get_next(current)
        }
    }
}
