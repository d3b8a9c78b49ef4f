import CNISpec
import Netlink
import SystemSupport

/// What the meta-plugin itself does inside a pod's namespace (the delegates do
/// the rest). Behind a protocol so planning tests need no namespaces.
package protocol SandboxNetworking: Sendable {
    /// Fails unless `path` is a network namespace (before any delegate runs).
    func checkNamespace(_ path: String) throws(CNIError)
    /// Those of `names` that exist in the namespace (one visit for all of them).
    func existingInterfaces(_ names: [String], inNetns path: String) throws(CNIError) -> [String]
    /// Makes `ifName` the only interface with a default route of the gateway's
    /// family: removes the others' and adds one via `gateway`.
    func setDefaultRoute(via gateway: String, on ifName: String, inNetns path: String) throws(CNIError)
}

/// The real thing, over netlink (libnl-route), each piece of work on a thread
/// of its own inside the namespace (SystemSupport's NetworkNamespace).
package struct NetlinkSandbox: SandboxNetworking {
    package init() {}

    package func checkNamespace(_ path: String) throws(CNIError) {
        do { try NetworkNamespace.check(path) } catch { throw error.cniError }
    }

    package func existingInterfaces(_ names: [String], inNetns path: String) throws(CNIError) -> [String] {
        guard !names.isEmpty else { return [] }
        return try inNamespace(path, "inspect") { () throws(NetlinkError) in
            let socket = try NetlinkSocket()
            var found: [String] = []
            for name in names where try socket.link(named: name) != nil { found.append(name) }
            return found
        }
    }

    package func setDefaultRoute(via gateway: String, on ifName: String, inNetns path: String) throws(CNIError) {
        try inNamespace(path, "set the default route via \(gateway) on \(ifName)") { () throws(NetlinkError) in
            let socket = try NetlinkSocket()
            guard let link = try socket.link(named: ifName) else { throw .requestFailed(operation: "find \(ifName)", code: 0) }
            let family: IPFamily = gateway.contains(":") ? .v6 : .v4
            // Every default route of this family goes, ours included, and then
            // ours is added: plugins append default routes (two entries with
            // one key), and libnl's route cache shows only one entry per key,
            // so a listing is retried until it shows none. (Multus's filter
            // misses 0.0.0.0/0: its issue #1444.)
            for _ in 0..<Self.maximumDefaultRoutes {
                guard let route = try socket.routes(family: family).first(where: \.isDefault) else { break }
                try socket.deleteRoute(route)
            }
            try socket.addRoute(Route(destination: family == .v6 ? "::/0" : "0.0.0.0/0", gateway: gateway, linkIndex: link.index))
        }
    }

    /// More default routes than a pod has interfaces would mean something keeps adding them.
    static let maximumDefaultRoutes = 256

    private func inNamespace<T: Sendable>(_ path: String, _ what: String,
                                          _ body: @Sendable () throws(NetlinkError) -> T) throws(CNIError) -> T {
        let outcome: Result<T, NetlinkError>
        do { outcome = try NetworkNamespace.run(at: path, body) } catch { throw error.cniError.prefixed("cannot \(what)") }
        do { return try outcome.get() } catch { throw CNIError.io("cannot \(what) in \(path): \(error)") }
    }
}
