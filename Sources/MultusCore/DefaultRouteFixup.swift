import CNISpec
import Delegation
import NetworkStatus

/// `default-route` on a selection: that interface gets the pod's default
/// route of the gateway's family and every other interface loses its own, in
/// the namespace and in the results alike (each changed result is rewritten
/// in the results cache once).
struct DefaultRouteFixup {
    let invocation: Invocation

    func apply(_ plan: [Attachment], _ results: inout [JSONValue]) throws(CNIError) {
        let requests = plan.indices.flatMap { index in plan[index].defaultRoute.map { (chosen: index, gateway: $0) } }
        guard !requests.isEmpty else { return }
        for (chosen, gateway) in requests {
            try invocation.sandbox.setDefaultRoute(via: gateway, on: plan[chosen].ifName, inNetns: invocation.env.netns)
        }
        for (index, attachment) in plan.enumerated() {
            let version = attachment.network.cniVersion
            var result = try CNIResult(json: results[index], defaultVersion: version)
            for (chosen, gateway) in requests {
                let v6 = gateway.contains(":")
                result.routes.removeAll { NetworkStatusBuilder.isDefaultRoute($0.dst) && $0.isIPv6 == v6 }
                if index == chosen { result.routes.append(CNIResult.Route(dst: v6 ? "::/0" : "0.0.0.0/0", gw: gateway)) }
            }
            let rewritten = try result.json(as: version)
            guard rewritten != results[index] else { continue }
            results[index] = rewritten
            try invocation.runner.cache.updateResult(network: attachment.network.name, containerID: invocation.env.containerID,
                                                     ifName: attachment.ifName, to: rewritten)
        }
    }
}
