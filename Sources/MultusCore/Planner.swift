import CNISpec
import Delegation
import DRAClaimReader
import NetworkStatus

/// Turns PlanInputs into attachments: delegates in Multus's order, interface
/// names, CNI_ARGS, capability values, devices and the auxiliary chain, and
/// every check that must pass before anything runs. Pure: no processes, files
/// or API.
package struct Planner: Sendable {
    package var config: MultusConfig
    package var env: CNIEnvironment
    /// A DEL rebuilt from the pod: a device source that is gone is no reason to stop.
    package var forDelete: Bool

    package init(config: MultusConfig, env: CNIEnvironment, forDelete: Bool = false) {
        self.config = config
        self.env = env
        self.forDelete = forDelete
    }

    /// The master gets CNI_IFNAME; the others their requested interface, else
    /// `net<position in the whole list>` (a custom name does not renumber the rest).
    package func attachments(_ inputs: PlanInputs) throws(CNIError) -> [Attachment] {
        let planned = try delegates(inputs)
        let baseArgs = Self.delegateArgs(runtimeArgs: env.args)
        var devices = DeviceAssignment(allocations: inputs.devices, forDelete: forDelete)
        var seen = Set<String>()
        var plan: [Attachment] = []
        for (index, (delegate, selection)) in planned.enumerated() {
            let isMaster = index == 0
            let ifName = isMaster ? env.ifName : selection?.interfaceRequest ?? "net\(index)"
            guard seen.insert(ifName).inserted else {
                throw .invalidConfig("network \"\(delegate.statusName)\": interface name \"\(ifName)\" is used twice in this pod")
            }
            var args = baseArgs
            var capabilities = config.runtimeConfig
            if let selection {
                // Go Multus appends MAC before IP.
                if let mac = selection.mac { args["MAC"] = mac }
                if !selection.ips.isEmpty { args["IP"] = selection.ips.joined(separator: ",") }
                Self.overlay(&capabilities, with: selection)
            }
            var network = delegate.network
            let infoFile = DeviceInfoFiles(directory: config.deviceInfoDir)
                .attachmentFile(network: delegate.statusName, containerID: env.containerID, ifName: ifName)
            var device: CachedDevice?
            if let resource = delegate.resourceName, let allocated = try devices.take(resource, for: delegate.statusName) {
                // The allocation wins over a deviceID the runtime or selection passed (as Multus).
                network = try network.withDeviceID(allocated.id)
                device = CachedDevice(deviceID: allocated.id, resourceName: resource, infoFile: infoFile,
                                      claim: allocated.claim.map {
                                          CachedDevice.ClaimDevice(namespace: $0.claim.namespace, name: $0.claim.name,
                                                                   driver: $0.device.driver, pool: $0.device.pool,
                                                                   device: $0.device.device, shareID: $0.device.shareID,
                                                                   apiVersion: $0.apiVersion)
                                      })
            } else if let id = selection?.deviceID {
                // The selection's own deviceID reaches the plugin as runtimeConfig only (as Multus).
                device = CachedDevice(deviceID: id, resourceName: nil, infoFile: infoFile)
            }
            if let device, !isMaster {
                capabilities["deviceID"] = .string(device.deviceID)
                capabilities["CNIDeviceInfoFile"] = .string(device.infoFile)
            }
            try Self.checkFileNames(network: network.name, containerID: env.containerID, ifName: ifName)
            plan.append(Attachment(network: network, statusName: delegate.statusName, ifName: ifName, args: args,
                                   capabilityArgs: capabilities, isMaster: isMaster,
                                   requests: selection?.requests ?? SelectionRequests(), device: device))
        }
        try Self.checkSingleDefaultRoute(plan)
        return plan
    }

    /// Master, more inline delegates, defaultNetworks, the annotation's
    /// networks, then the auxiliary chain (when its folder has plugins).
    func delegates(_ inputs: PlanInputs) throws(CNIError) -> [(Delegate, NetworkSelection?)] {
        var planned: [(Delegate, NetworkSelection?)] = []
        for source in [inputs.master] + inputs.inlineExtras + inputs.defaults {
            planned.append((try DelegateBuilder.delegate(from: source), nil))
        }
        for (selection, source) in zip(inputs.request.selections, inputs.selected) {
            planned.append((try DelegateBuilder.delegate(from: source, selection: selection), selection))
        }
        if let plugins = inputs.auxiliaryPlugins, !plugins.isEmpty, let chain = config.auxiliaryCNIChainName {
            let json: JSONValue = .object(JSONObject([
                ("cniVersion", .string(config.cniVersion.description)), ("name", .string(chain)),
                ("plugins", .array([["type": "passthru", "name": "passthru-cni"]] + plugins)),
            ]))
            planned.append((Delegate(network: try NetworkConfigList(json: json), statusName: chain, resourceName: nil), nil))
        }
        return planned
    }

    /// The selection's requests win over the runtime's runtimeConfig.
    static func overlay(_ capabilities: inout JSONObject, with s: NetworkSelection) {
        if !s.ips.isEmpty { capabilities["ips"] = .array(s.ips.map(JSONValue.string)) }
        if let mac = s.mac { capabilities["mac"] = .string(mac) }
        if let guid = s.infinibandGUID { capabilities["infinibandGUID"] = .string(guid) }
        if let portMappings = s.portMappings { capabilities["portMappings"] = portMappings }
        if let bandwidth = s.bandwidth { capabilities["bandwidth"] = bandwidth }
    }

    /// At most one IPv4 and one IPv6 default-route gateway across the pod.
    static func checkSingleDefaultRoute(_ plan: [Attachment]) throws(CNIError) {
        let gateways = plan.flatMap(\.defaultRoute)
        let v6 = gateways.filter { $0.contains(":") }.count
        if v6 > 1 || gateways.count - v6 > 1 {
            throw .invalidConfig("multus does not support ECMP for default-route: \(gateways.joined(separator: ", ")) asked for")
        }
    }

    /// The results-cache file of an attachment must be nameable (NAME_MAX).
    static func checkFileNames(network: String, containerID: String, ifName: String) throws(CNIError) {
        let length = ResultCache.fileName(network: network, containerID: containerID, ifName: ifName).utf8.count
        guard length <= ResultCache.maximumFileNameLength else {
            throw .invalidConfig("network \"\(network)\": its results cache file name would be \(length) bytes, more than \(ResultCache.maximumFileNameLength); use a shorter network name")
        }
    }

    static let podKeys = ["K8S_POD_NAMESPACE", "K8S_POD_NAME", "K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_UID"]

    /// What every delegate receives as CNI_ARGS: IgnoreUnknown first, the pod
    /// keys, then whatever else the runtime passed; no key twice.
    static func delegateArgs(runtimeArgs: CNIArgs) -> CNIArgs {
        var args = CNIArgs([("IgnoreUnknown", "true")])
        for key in podKeys { args[key] = runtimeArgs[key] ?? "" }
        return args.merging(runtimeArgs)
    }
}

/// Device IDs handed out in plan order, each resource's IDs in allocation order.
struct DeviceAssignment {
    var allocations: DeviceAllocations?
    let forDelete: Bool

    /// The next device of `resource`; nil when none is left (Go attaches the
    /// network without one). No device source at all fails an ADD, naming the resource.
    mutating func take(_ resource: String, for network: String) throws(CNIError) -> ResourceMap.Device? {
        switch allocations {
        case nil: return nil
        case .unavailable(let why)?:
            if forDelete { return nil }
            throw CNIError(code: CNIError.multusInternal,
                           msg: "network \"\(network)\" needs a device of resource \(resource): \(why)")
        case .allocated(var map)?:
            let device = map.takeDevice(resource)
            allocations = .allocated(map)
            return device
        }
    }
}
