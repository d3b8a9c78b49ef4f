import CNISpec
import Delegation
import NetworkStatus

extension Multus {
    /// `default-route` on a selection: that interface gets the pod's default
    /// route of the gateway's family and every other interface loses its own,
    /// in the namespace and in the cached results alike.
    func applyDefaultRoutes(_ plan: [Attachment], _ results: inout [JSONValue]) throws(CNIError) {
        for (chosen, attachment) in plan.enumerated() {
            for gateway in attachment.defaultRoute {
                try sandbox.setDefaultRoute(via: gateway, on: attachment.ifName, inNetns: env.netns)
                let v6 = gateway.contains(":")
                for (i, other) in plan.enumerated() {
                    let version = other.network.cniVersion
                    var result = try CNIResult(json: results[i], defaultVersion: version)
                    result.routes.removeAll { NetworkStatusBuilder.isDefaultRoute($0.dst) && $0.isIPv6 == v6 }
                    if i == chosen { result.routes.append(CNIResult.Route(dst: v6 ? "::/0" : "0.0.0.0/0", gw: gateway)) }
                    results[i] = try result.json(as: version)
                    try runner.cache.updateResult(network: other.network.name, containerID: env.containerID,
                                                  ifName: other.ifName, to: results[i])
                }
            }
        }
    }
}
