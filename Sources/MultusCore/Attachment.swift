import CNISpec
import Delegation

/// One delegate to run for one pod: the network, the interface it creates in
/// the sandbox, and the per-network CNI_ARGS and capability values.
package struct Attachment: Sendable, Equatable {
    package var network: NetworkConfigList
    /// The name network-status shows: `<namespace>/<nad>` or the config's name.
    package var statusName: String
    package var ifName: String
    package var args: CNIArgs
    package var capabilityArgs: JSONObject
    package var isMaster: Bool
    /// What the pod's selection asked (Go Multus's DEL rebuilds from these; `defaultRoute` is acted on here).
    package var requests: SelectionRequests
    /// The device (SR-IOV VF, …) given to this attachment, if any.
    package var device: CachedDevice?

    package init(network: NetworkConfigList, statusName: String? = nil, ifName: String, args: CNIArgs = CNIArgs(),
                 capabilityArgs: JSONObject = JSONObject(), isMaster: Bool, requests: SelectionRequests = SelectionRequests(),
                 device: CachedDevice? = nil) {
        self.network = network
        self.statusName = statusName ?? network.name
        self.ifName = ifName
        self.args = args
        self.capabilityArgs = capabilityArgs
        self.isMaster = isMaster
        self.requests = requests
        self.device = device
    }

    package var defaultRoute: [String] { requests.defaultRoute }

    func runtimeConf(containerID: String, netns: String) -> RuntimeConf {
        RuntimeConf(containerID: containerID, netns: netns, ifName: ifName, args: args, capabilityArgs: capabilityArgs)
    }

    func cached(netns: String) -> CachedAttachment {
        CachedAttachment(network: statusName, ifName: ifName, config: network.source, args: args,
                         capabilityArgs: capabilityArgs, isMaster: isMaster, device: device, requests: requests, netns: netns)
    }

    init(cached: CachedAttachment) throws(CNIError) {
        self.init(network: try NetworkConfigList(json: cached.config), statusName: cached.network, ifName: cached.ifName,
                  args: cached.args, capabilityArgs: cached.capabilityArgs, isMaster: cached.isMaster,
                  requests: cached.requests, device: cached.device)
    }
}
