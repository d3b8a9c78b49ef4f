import CNISpec
import Netlink

/// What the meta-plugin itself does inside a pod's namespace (the delegates do
/// the rest). Behind a protocol so planning tests need no namespaces.
package protocol SandboxNetworking: Sendable {
    func interfaceExists(named name: String, inNetns path: String) throws(CNIError) -> Bool
    /// Makes `ifName` the only interface with a default route of the gateway's
    /// family: removes the others' and adds one via `gateway`.
    func setDefaultRoute(via gateway: String, on ifName: String, inNetns path: String) throws(CNIError)
}

/// The real thing, over netlink (libnl-route).
package struct NetlinkSandbox: SandboxNetworking {
    package init() {}

    package func interfaceExists(named name: String, inNetns path: String) throws(CNIError) -> Bool {
        try inNamespace(path, "inspect") { try NetlinkSocket().link(named: name) != nil }
    }

    package func setDefaultRoute(via gateway: String, on ifName: String, inNetns path: String) throws(CNIError) {
        try inNamespace(path, "set the default route via \(gateway) on \(ifName)") {
            let socket = try NetlinkSocket()
            guard let link = try socket.link(named: ifName) else {
                throw CNIError.io("interface \(ifName) does not exist")
            }
            let family: IPFamily = gateway.contains(":") ? .v6 : .v4
            var present = false
            // Every default route of this family that is not exactly the wanted
            // one goes (Multus's filter misses 0.0.0.0/0: its issue #1444).
            for route in try socket.routes(family: family) where route.isDefault {
                if route.linkIndex == link.index && route.gateway == gateway {
                    present = true
                } else {
                    try socket.deleteRoute(route)
                }
            }
            if !present {
                try socket.addRoute(Route(destination: family == .v6 ? "::/0" : "0.0.0.0/0", gateway: gateway, linkIndex: link.index))
            }
        }
    }

    private func inNamespace<T>(_ path: String, _ what: String, _ body: () throws -> T) throws(CNIError) -> T {
        do {
            return try NetworkNamespace.run(inNamespaceAt: path, body)
        } catch let error as CNIError {
            throw error.prefixed("cannot \(what) in \(path)")
        } catch {
            throw CNIError.io("cannot \(what) in \(path): \(error)")
        }
    }
}
