import CNISpec
import Delegation

/// Turns the resolved networks and the request into attachments: interface
/// names, CNI_ARGS and capability values. Pure: no processes, files or API.
package struct Planner: Sendable {
    package var config: MultusConfig

    package init(config: MultusConfig) { self.config = config }

    /// The master gets CNI_IFNAME; the others their requested interface, else
    /// `net<position in the whole list>` (a custom name does not renumber the rest).
    package func attachments(for networks: [PlannedNetwork], env: CNIEnvironment) throws(CNIError) -> [Attachment] {
        let baseArgs = Self.delegateArgs(runtimeArgs: env.args)
        var seen = Set<String>()
        var plan: [Attachment] = []
        for (index, planned) in networks.enumerated() {
            let isMaster = index == 0
            let selection = planned.selection
            let ifName = isMaster ? env.ifName : selection?.interfaceRequest ?? "net\(index)"
            guard seen.insert(ifName).inserted else {
                throw .invalidConfig("network \"\(planned.delegate.statusName)\": interface name \"\(ifName)\" is used twice in this pod")
            }
            var args = baseArgs
            var capabilities = config.runtimeConfig
            if let selection {
                if !selection.ips.isEmpty { args["IP"] = selection.ips.joined(separator: ",") }
                if let mac = selection.mac { args["MAC"] = mac }
                Self.overlay(&capabilities, with: selection)
            }
            var delegate = planned.delegate
            let device = device(for: planned, ifName: ifName, env: env)
            if let device { try Self.apply(device, to: &delegate, capabilities: &capabilities) }
            plan.append(Attachment(delegate: delegate, ifName: ifName, args: args,
                                   capabilityArgs: capabilities, isMaster: isMaster,
                                   defaultRoute: selection?.defaultRoute ?? [], device: device))
        }
        try Self.checkSingleDefaultRoute(plan)
        return plan
    }

    /// The selection's requests win over the runtime's runtimeConfig.
    static func overlay(_ capabilities: inout JSONObject, with s: NetworkSelection) {
        if !s.ips.isEmpty { capabilities["ips"] = .array(s.ips.map(JSONValue.string)) }
        if let mac = s.mac { capabilities["mac"] = .string(mac) }
        if let guid = s.infinibandGUID { capabilities["infinibandGUID"] = .string(guid) }
        if let portMappings = s.portMappings { capabilities["portMappings"] = portMappings }
        if let bandwidth = s.bandwidth { capabilities["bandwidth"] = bandwidth }
        if let deviceID = s.deviceID { capabilities["deviceID"] = .string(deviceID) }
    }

    /// At most one IPv4 and one IPv6 default-route gateway across the pod.
    static func checkSingleDefaultRoute(_ plan: [Attachment]) throws(CNIError) {
        let gateways = plan.flatMap(\.defaultRoute)
        let v6 = gateways.filter { $0.contains(":") }.count
        if v6 > 1 || gateways.count - v6 > 1 {
            throw .invalidConfig("multus does not support ECMP for default-route: \(gateways.joined(separator: ", ")) asked for")
        }
    }

    static let podKeys = ["K8S_POD_NAMESPACE", "K8S_POD_NAME", "K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_UID"]

    /// What every delegate receives as CNI_ARGS: IgnoreUnknown first, the pod
    /// keys, then whatever else the runtime passed; no key twice.
    static func delegateArgs(runtimeArgs: CNIArgs) -> CNIArgs {
        var args = CNIArgs([("IgnoreUnknown", "true")])
        for key in podKeys { if let value = runtimeArgs[key] { args[key] = value } }
        return args.merging(runtimeArgs)
    }
}
