import CNISpec
import Delegation

/// One delegate to run for one pod: the network, the interface it creates in
/// the sandbox, and the per-network CNI_ARGS and capability values.
public struct Attachment: Sendable, Equatable {
    public var delegate: Delegate
    public var ifName: String
    public var args: CNIArgs
    public var capabilityArgs: JSONObject
    public var isMaster: Bool
    /// Gateways from the selection's `default-route`: this interface gets the pod's default route.
    public var defaultRoute: [String]

    public init(delegate: Delegate, ifName: String, args: CNIArgs, capabilityArgs: JSONObject, isMaster: Bool,
                defaultRoute: [String] = []) {
        self.delegate = delegate
        self.ifName = ifName
        self.args = args
        self.capabilityArgs = capabilityArgs
        self.isMaster = isMaster
        self.defaultRoute = defaultRoute
    }

    public var network: NetworkConfigList { delegate.network }

    func runtimeConf(containerID: String, netns: String) -> RuntimeConf {
        RuntimeConf(containerID: containerID, netns: netns, ifName: ifName, args: args, capabilityArgs: capabilityArgs)
    }

    var cached: CachedAttachment {
        CachedAttachment(network: delegate.statusName, ifName: ifName, config: network.source, args: args,
                         capabilityArgs: capabilityArgs, isMaster: isMaster)
    }

    init(cached: CachedAttachment) throws(CNIError) {
        self.init(delegate: Delegate(network: try NetworkConfigList(json: cached.config), statusName: cached.network),
                  ifName: cached.ifName, args: cached.args, capabilityArgs: cached.capabilityArgs,
                  isMaster: cached.isMaster)
    }
}
