import CNISpec
import Delegation

/// One delegate to run for one pod: the network, the interface it creates in
/// the sandbox, and the per-network CNI_ARGS and capability values.
package struct Attachment: Sendable, Equatable {
    package var delegate: Delegate
    package var ifName: String
    package var args: CNIArgs
    package var capabilityArgs: JSONObject
    package var isMaster: Bool
    /// Gateways from the selection's `default-route`: this interface gets the pod's default route.
    package var defaultRoute: [String]
    /// The device (SR-IOV VF, …) given to this attachment, if any.
    package var device: AttachmentDevice?

    package init(delegate: Delegate, ifName: String, args: CNIArgs, capabilityArgs: JSONObject, isMaster: Bool,
                defaultRoute: [String] = [], device: AttachmentDevice? = nil) {
        self.delegate = delegate
        self.ifName = ifName
        self.args = args
        self.capabilityArgs = capabilityArgs
        self.isMaster = isMaster
        self.defaultRoute = defaultRoute
        self.device = device
    }

    package var network: NetworkConfigList { delegate.network }

    func runtimeConf(containerID: String, netns: String) -> RuntimeConf {
        RuntimeConf(containerID: containerID, netns: netns, ifName: ifName, args: args, capabilityArgs: capabilityArgs)
    }

    var cached: CachedAttachment {
        var extra = JSONObject()
        if let device { extra[AttachmentDevice.extraKey] = device.json }
        return CachedAttachment(network: delegate.statusName, ifName: ifName, config: network.source, args: args,
                                capabilityArgs: capabilityArgs, isMaster: isMaster, extra: extra)
    }

    init(cached: CachedAttachment) throws(CNIError) {
        self.init(delegate: Delegate(network: try NetworkConfigList(json: cached.config), statusName: cached.network),
                  ifName: cached.ifName, args: cached.args, capabilityArgs: cached.capabilityArgs,
                  isMaster: cached.isMaster, device: AttachmentDevice(json: cached.extra[AttachmentDevice.extraKey]))
    }
}
