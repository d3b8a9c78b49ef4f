import CNISpec
import Delegation

/// Turns the configuration and the request into the ordered list of
/// attachments. Pure: no processes, no files beyond config lookups.
public struct Planner: Sendable {
    public var config: MultusConfig
    public var resolver: DelegateResolver

    public init(config: MultusConfig) {
        self.config = config
        resolver = DelegateResolver(confDir: config.confDir)
    }

    /// Master (clusterNetwork wins over `delegates`), then defaultNetworks unless
    /// the pod lives in a system namespace.
    public func staticDelegates(podNamespace: String?) throws(CNIError) -> [Delegate] {
        var delegates: [Delegate] = []
        if let clusterNetwork = config.clusterNetwork {
            delegates.append(try resolver.resolve(clusterNetwork, field: "clusterNetwork"))
        } else {
            for (i, json) in config.delegates.enumerated() {
                do {
                    delegates.append(Delegate(network: try NetworkConfigList(json: json)))
                } catch {
                    throw error.prefixed("delegates[\(i)]")
                }
            }
        }
        let isSystemPod = podNamespace.map(config.systemNamespaces.contains) ?? false
        if !isSystemPod {
            for (i, reference) in config.defaultNetworks.enumerated() {
                delegates.append(try resolver.resolve(reference, field: "defaultNetworks[\(i)]"))
            }
        }
        return delegates
    }

    /// Interface names and arguments for each delegate, in order. The master gets
    /// CNI_IFNAME; the others `net<position in the whole list>`.
    public func attachments(for delegates: [Delegate], env: CNIEnvironment) throws(CNIError) -> [Attachment] {
        let args = Self.delegateArgs(runtimeArgs: env.args)
        var seen = Set<String>()
        var plan: [Attachment] = []
        for (index, delegate) in delegates.enumerated() {
            let isMaster = index == 0
            let ifName = isMaster ? env.ifName : "net\(index)"
            guard seen.insert(ifName).inserted else {
                throw .invalidConfig("network \"\(delegate.statusName)\": interface name \"\(ifName)\" is used twice in this pod")
            }
            plan.append(Attachment(delegate: delegate, ifName: ifName, args: args,
                                   capabilityArgs: config.runtimeConfig, isMaster: isMaster))
        }
        return plan
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
