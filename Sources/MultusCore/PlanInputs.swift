import CNISpec
import DRAClaimReader
import KubeAPI

/// A network's configuration as fetched, before it becomes a delegate.
package enum NetworkSource: Sendable, Equatable {
    /// `delegates[index]` of the multus config.
    case inline(JSONValue, field: String)
    /// A file (a path, or the confDir network of a configured name).
    case file(ConfigFile, field: String)
    /// A NetworkAttachmentDefinition; `confDirFile` is the confDir network named
    /// like it, read when its `spec.config` is empty.
    case nad(NetworkAttachmentDefinition, confDirFile: ConfigFile?)
}

/// The pod's device allocations, or why there are none to be had.
package enum DeviceAllocations: Sendable, Equatable {
    case allocated(ResourceMap)
    /// No device source answered (no pod-resources socket, no checkpoint, no claims).
    case unavailable(String)
}

/// Everything one plan needs, gathered by the Fetcher in one go so that the
/// Planner reads nothing.
package struct PlanInputs: Sendable, Equatable {
    package var request: NetworkRequest
    package var pod: Pod?
    package var master: NetworkSource
    package var inlineExtras: [NetworkSource]
    package var defaults: [NetworkSource]
    /// One per `request.selections`, in annotation order.
    package var selected: [NetworkSource]
    /// nil when no network names a device resource.
    package var devices: DeviceAllocations?
    /// The auxiliary chain's plugins after `passthru` (from the clusterNetwork
    /// folder's subdirectory named after the chain); nil without a chain.
    package var auxiliaryPlugins: [JSONValue]?

    package init(request: NetworkRequest, pod: Pod? = nil, master: NetworkSource, inlineExtras: [NetworkSource] = [],
                 defaults: [NetworkSource] = [], selected: [NetworkSource] = [], devices: DeviceAllocations? = nil,
                 auxiliaryPlugins: [JSONValue]? = nil) {
        self.request = request
        self.pod = pod
        self.master = master
        self.inlineExtras = inlineExtras
        self.defaults = defaults
        self.selected = selected
        self.devices = devices
        self.auxiliaryPlugins = auxiliaryPlugins
    }
}
