import CNetlink
import Foundation
import Glibc
import SystemSupport
import Testing
@testable import Netlink

/// Runs /sbin/ip and returns its standard output; throws on a non-zero exit.
@discardableResult
func ip(_ arguments: String...) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/sbin/ip")
    process.arguments = arguments
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw IPCommandFailed(arguments: arguments, stderr: String(decoding: err, as: UTF8.self))
    }
    return String(decoding: out, as: UTF8.self)
}

struct IPCommandFailed: Error, CustomStringConvertible {
    var arguments: [String]
    var stderr: String
    var description: String { "ip \(arguments.joined(separator: " ")): \(stderr)" }
}

/// A namespace of our own, "nltest-<random>", with a veth pair whose both ends
/// live inside it: eth0 (10.222.0.5/24, fd00:222::5/64) and its peer. Nothing
/// outside the namespace is touched and no traffic leaves it.
struct TestNamespace {
    static let mac = "0a:58:0a:de:00:05"
    let name = "nltest-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
    var path: String { "/var/run/netns/\(name)" }

    init() throws {
        try ip("netns", "add", name)
        do {
            try ip("-n", name, "link", "set", "lo", "up")
            try ip("-n", name, "link", "add", "eth0", "type", "veth", "peer", "name", "peer0")
            try ip("-n", name, "link", "set", "eth0", "address", Self.mac, "mtu", "1400", "up")
            try ip("-n", name, "link", "set", "peer0", "up")
            try ip("-n", name, "addr", "add", "10.222.0.5/24", "dev", "eth0")
            try ip("-n", name, "-6", "addr", "add", "fd00:222::5/64", "dev", "eth0", "nodad")
        } catch {
            remove()
            throw error
        }
    }

    func remove() {
        _ = try? ip("netns", "del", name)
    }

    /// Runs `body` with a netlink socket bound to this namespace.
    func netlink<T>(_ body: (NetlinkSocket) throws -> T) throws -> T {
        try NetworkNamespace.run(at: path) { () throws -> T in try body(NetlinkSocket()) }.get()
    }
}

@Suite(.serialized, .enabled(if: getuid() == 0, "needs root for network namespaces"))
struct NetlinkTests {
    @Test func linkLookupFindsInterfaceWithMacAndMTU() throws {
        let ns = try TestNamespace()
        defer { ns.remove() }
        let (eth0, missing, all) = try ns.netlink { (nl) throws in
            (try nl.link(named: "eth0"), try nl.link(named: "net9"), try nl.links())
        }
        let link = try #require(eth0)
        #expect(link.name == "eth0")
        #expect(link.index > 1)
        #expect(link.mac == TestNamespace.mac)
        #expect(link.mtu == 1400)
        #expect(link.isUp)
        #expect(missing == nil)
        #expect(all.map(\.name).sorted() == ["eth0", "lo", "peer0"])
        #expect(all.first { $0.name == "eth0" } == link)
    }

    @Test func linkLookupReturnsNilForImpossibleNames() throws {
        let ns = try TestNamespace()
        defer { ns.remove() }
        try ns.netlink { (nl) throws in
            #expect(try nl.link(named: "") == nil)
            #expect(try nl.link(named: "a-name-longer-than-ifnamsiz") == nil)
        }
    }

    @Test func routesIncludeConnectedAndDefault() throws {
        let ns = try TestNamespace()
        defer { ns.remove() }
        try ip("-n", ns.name, "route", "add", "default", "via", "10.222.0.1")
        let (routes, eth0) = try ns.netlink { (nl) throws in
            (try nl.routes(family: .v4), try #require(try nl.link(named: "eth0")))
        }
        let connected = try #require(routes.first { $0.destination == "10.222.0.0/24" })
        #expect(connected.gateway == nil)
        #expect(connected.linkIndex == eth0.index)
        #expect(connected.scope == Route.linkScope)
        #expect(connected.family == .v4)
        #expect(connected.table == Route.mainTable)

        let defaults = routes.filter(\.isDefault)
        #expect(defaults.count == 1)
        #expect(defaults.first?.destination == "0.0.0.0/0")
        #expect(defaults.first?.gateway == "10.222.0.1")
        #expect(defaults.first?.linkIndex == eth0.index)
        #expect(routes.allSatisfy { $0.family == .v4 })
    }

    @Test func deletingListedDefaultRouteRemovesIt() throws {
        let ns = try TestNamespace()
        defer { ns.remove() }
        try ip("-n", ns.name, "route", "add", "default", "via", "10.222.0.1", "metric", "100")
        try ns.netlink { (nl) throws in
            let route = try #require(try nl.routes(family: .v4).first { $0.isDefault })
            #expect(route.priority == 100)
            try nl.deleteRoute(route)
            #expect(throws: NetlinkError.routeNotFound(destination: "0.0.0.0/0")) {
                try nl.deleteRoute(route)
            }
        }
        #expect(try ip("-n", ns.name, "route", "show", "default") == "")
        #expect(try ip("-n", ns.name, "route").contains("10.222.0.0/24 dev eth0"))
    }

    @Test func addingDefaultRouteViaGatewayOnLink() throws {
        let ns = try TestNamespace()
        defer { ns.remove() }
        try ns.netlink { (nl) throws in
            let eth0 = try #require(try nl.link(named: "eth0"))
            let route = Route(destination: "0.0.0.0/0", gateway: "10.222.0.1", linkIndex: eth0.index)
            try nl.addRoute(route)
            #expect(try nl.routes(family: .v4).contains(route))
            #expect(throws: NetlinkError.routeExists(destination: "0.0.0.0/0")) {
                try nl.addRoute(route)
            }
        }
        let shown = try ip("-n", ns.name, "route", "show", "default")
        #expect(shown.hasPrefix("default via 10.222.0.1 dev eth0"))
    }

    @Test func ipv6DefaultRouteListDeleteAdd() throws {
        let ns = try TestNamespace()
        defer { ns.remove() }
        try ip("-n", ns.name, "-6", "route", "add", "default", "via", "fd00:222::1")
        try ns.netlink { (nl) throws in
            let routes = try nl.routes(family: .v6)
            #expect(routes.allSatisfy { $0.family == .v6 })
            #expect(routes.contains { $0.destination == "fd00:222::/64" && $0.gateway == nil })
            let route = try #require(routes.first { $0.isDefault })
            #expect(route.destination == "::/0")
            #expect(route.gateway == "fd00:222::1")
            try nl.deleteRoute(route)
        }
        #expect(try ip("-n", ns.name, "-6", "route", "show", "default") == "")

        try ns.netlink { (nl) throws in
            let eth0 = try #require(try nl.link(named: "eth0"))
            try nl.addRoute(Route(destination: "::/0", gateway: "fd00:222::1", linkIndex: eth0.index))
        }
        let shown = try ip("-n", ns.name, "-6", "route", "show", "default")
        #expect(shown.hasPrefix("default via fd00:222::1 dev eth0"))
    }

    /// The Multus default-route fix-up: drop the defaults of one family on
    /// other interfaces, then add one via the chosen interface's gateway.
    @Test func replacingDefaultRouteMovesItToChosenInterface() throws {
        let ns = try TestNamespace()
        defer { ns.remove() }
        try ip("-n", ns.name, "link", "add", "net1", "type", "veth", "peer", "name", "peer1")
        try ip("-n", ns.name, "link", "set", "net1", "up")
        try ip("-n", ns.name, "link", "set", "peer1", "up")
        try ip("-n", ns.name, "addr", "add", "10.222.1.5/24", "dev", "net1")
        try ip("-n", ns.name, "route", "add", "default", "via", "10.222.0.1")
        try ip("-n", ns.name, "-6", "route", "add", "default", "via", "fd00:222::1")
        try ns.netlink { (nl) throws in
            let net1 = try #require(try nl.link(named: "net1"))
            for route in try nl.routes(family: .v4) where route.isDefault && route.linkIndex != net1.index {
                try nl.deleteRoute(route)
            }
            try nl.addRoute(Route(destination: "0.0.0.0/0", gateway: "10.222.1.1", linkIndex: net1.index))
        }
        let shown = try ip("-n", ns.name, "route", "show", "default")
        #expect(shown.split(separator: "\n").count == 1)
        #expect(shown.hasPrefix("default via 10.222.1.1 dev net1"))
        // The other family is left alone.
        #expect(try ip("-n", ns.name, "-6", "route", "show", "default").contains("via fd00:222::1"))
    }

    @Test func socketCreatedInsideStaysBoundToNamespace() throws {
        let ns = try TestNamespace()
        defer { ns.remove() }
        let nl = try NetworkNamespace.run(at: ns.path) { () throws(NetlinkError) in try NetlinkSocket() }.get()
        #expect(try nl.link(named: "peer0") != nil)
    }

    @Test func invalidAddressIsRejectedBeforeTheKernel() throws {
        let nl = try NetlinkSocket()
        #expect(throws: NetlinkError.invalidAddress("10.222.0.300/24")) {
            try nl.addRoute(Route(destination: "10.222.0.300/24", linkIndex: 1))
        }
    }

    @Test func errorDescriptionsQuoteTheCause() {
        #expect(NetlinkError.requestFailed(operation: "list routes", code: -NLE_PERM).description
            .hasPrefix("netlink list routes failed: "))
    }
}
