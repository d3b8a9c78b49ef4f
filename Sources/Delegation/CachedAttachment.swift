import CNISpec

/// One delegate attachment as the scratch cache keeps it: everything a DEL
/// needs to undo it without asking anybody (the API server may be gone).
package struct CachedAttachment: Sendable, Equatable {
    /// The name network-status shows: `<namespace>/<nad>` or the config's name.
    package var network: String
    package var ifName: String
    /// The delegate configuration exactly as it was run.
    package var config: JSONValue
    package var args: CNIArgs
    package var capabilityArgs: JSONObject
    package var isMaster: Bool
    package var device: CachedDevice?
    /// What the pod's selection asked of this network; Go Multus rebuilds its
    /// DEL runtimeConfig from these, so they are recorded where it reads them.
    package var requests: SelectionRequests
    /// The sandbox it was added in (GC deletes inside it while it still exists).
    package var netns: String

    package init(network: String, ifName: String, config: JSONValue, args: CNIArgs, capabilityArgs: JSONObject,
                 isMaster: Bool, device: CachedDevice? = nil, requests: SelectionRequests = SelectionRequests(),
                 netns: String = "") {
        self.network = network
        self.ifName = ifName
        self.config = config
        self.args = args
        self.capabilityArgs = capabilityArgs
        self.isMaster = isMaster
        self.device = device
        self.requests = requests
        self.netns = netns
    }
}

/// The device an attachment got, and the device-info file made for it.
package struct CachedDevice: Sendable, Equatable {
    package var deviceID: String
    /// nil when the ID is the selection's own `deviceID`, not an allocation.
    package var resourceName: String?
    package var infoFile: String
    /// The ResourceClaim device it came from, when it came from DRA: DEL
    /// releases the network data ADD wrote into that claim's status.
    package var claim: ClaimDevice?

    package init(deviceID: String, resourceName: String?, infoFile: String, claim: ClaimDevice? = nil) {
        self.deviceID = deviceID
        self.resourceName = resourceName
        self.infoFile = infoFile
        self.claim = claim
    }

    /// A device of a ResourceClaim's allocation (resource.k8s.io).
    package struct ClaimDevice: Sendable, Equatable {
        package var namespace: String
        package var name: String
        package var driver: String
        package var pool: String
        package var device: String
        /// The share of the device, when it was allocated as one of several (DRAConsumableCapacity).
        package var shareID: String?
        /// The resource.k8s.io version the claim was seen in ("v1"), when known.
        package var apiVersion: String?

        package init(namespace: String, name: String, driver: String, pool: String, device: String,
                     shareID: String? = nil, apiVersion: String? = nil) {
            self.namespace = namespace
            self.name = name
            self.driver = driver
            self.pool = pool
            self.device = device
            self.shareID = shareID
            self.apiVersion = apiVersion
        }
    }
}

/// The per-network requests of a `k8s.v1.cni.cncf.io/networks` element.
package struct SelectionRequests: Sendable, Equatable {
    package var mac: String?
    package var ips: [String] = []
    package var infinibandGUID: String?
    package var defaultRoute: [String] = []

    package init(mac: String? = nil, ips: [String] = [], infinibandGUID: String? = nil, defaultRoute: [String] = []) {
        self.mac = mac
        self.ips = ips
        self.infinibandGUID = infinibandGUID
        self.defaultRoute = defaultRoute
    }
}
