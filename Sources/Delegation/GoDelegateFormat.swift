import CNISpec

/// The scratch cache in Go Multus's format: the JSON list of delegate objects
/// its `saveDelegates` writes (`types.DelegateNetConf`), so that a node rolled
/// back to Go Multus can still DEL what we added. Go reads `Bytes` (the
/// config, base64), `ConfList.plugins` (non-empty means a conflist), `Name`,
/// `ifnameRequest`, `macRequest`, `ipRequest`, `infinibandGUIDRequest` and
/// `deviceID`; Go's decoder ignores unknown keys, so what only multus-swift
/// needs goes under `multusSwift` (with `claimDevice`: the ResourceClaim
/// device whose network data DEL releases).
package enum GoDelegateFormat {
    static let extensionKey = "multusSwift"

    package static func encode(_ attachments: [CachedAttachment]) -> JSONValue {
        .array(attachments.map(encode))
    }

    static func encode(_ a: CachedAttachment) -> JSONValue {
        let name = JSONValue.string(a.config["name"]?.stringValue ?? "")
        let version = a.config["cniVersion"] ?? .string("")
        var o = JSONObject()
        if let plugins = a.config["plugins"]?.arrayValue {
            let types = plugins.map { JSONValue.object(JSONObject([("type", $0["type"] ?? .string(""))])) }
            o["ConfList"] = .object(JSONObject([("cniVersion", version), ("name", name), ("plugins", .array(types))]))
        } else {
            o["Conf"] = .object(JSONObject([("cniVersion", version), ("name", name), ("type", a.config["type"] ?? .string(""))]))
        }
        o["Name"] = .string(a.network)
        if !a.isMaster { o["ifnameRequest"] = .string(a.ifName) }
        if let mac = a.requests.mac { o["macRequest"] = .string(mac) }
        if let guid = a.requests.infinibandGUID { o["infinibandGUIDRequest"] = .string(guid) }
        if !a.requests.ips.isEmpty { o["ipRequest"] = .array(a.requests.ips.map(JSONValue.string)) }
        if !a.requests.defaultRoute.isEmpty { o["default-route"] = .array(a.requests.defaultRoute.map(JSONValue.string)) }
        o["IsFilterV4Gateway"] = false
        o["IsFilterV6Gateway"] = false
        if let device = a.device {
            o["deviceID"] = .string(device.deviceID)
            if let resource = device.resourceName { o["resourceName"] = .string(resource) }
        }
        o["Bytes"] = .string(Base64.encode(a.config.serializedBytes))
        var own = JSONObject([("ifName", .string(a.ifName)), ("master", .bool(a.isMaster)),
                              ("cniArgs", a.args.json), ("capabilityArgs", .object(a.capabilityArgs))])
        if let device = a.device { own["deviceInfoFile"] = .string(device.infoFile) }
        if let claim = a.device?.claim {
            var o = JSONObject([("namespace", .string(claim.namespace)), ("name", .string(claim.name)),
                                ("driver", .string(claim.driver)), ("pool", .string(claim.pool)), ("device", .string(claim.device))])
            if let share = claim.shareID { o["shareID"] = .string(share) }
            if let version = claim.apiVersion { o["apiVersion"] = .string(version) }
            own["claimDevice"] = .object(o)
        }
        if !a.netns.isEmpty { own["netns"] = .string(a.netns) }
        o[extensionKey] = .object(own)
        return .object(o)
    }

    /// What a Go-written entry does not say, and Go's DEL takes from the call:
    /// CNI_IFNAME, the CNI_ARGS it builds, the multus config's runtimeConfig.
    package struct Context: Sendable {
        package var containerID: String
        package var ifName: String
        package var args: CNIArgs
        package var runtimeConfig: JSONObject
        /// `<deviceInfoDir>/cni`, where Go puts the device-info file of an attachment with a deviceID.
        package var deviceInfoFolder: String

        package init(containerID: String, ifName: String, args: CNIArgs, runtimeConfig: JSONObject,
                     deviceInfoFolder: String) {
            self.containerID = containerID
            self.ifName = ifName
            self.args = args
            self.runtimeConfig = runtimeConfig
            self.deviceInfoFolder = deviceInfoFolder
        }
    }

    package enum DecodeError: Error, Equatable { case malformed(String) }

    /// Reads the list, ours or Go's. The first entry is the master, as in Go.
    package static func decode(_ json: JSONValue, context: Context) throws(DecodeError) -> [CachedAttachment] {
        guard let entries = json.arrayValue else { throw .malformed("not a JSON list of delegates") }
        var out: [CachedAttachment] = []
        for (index, entry) in entries.enumerated() {
            guard let bytes = entry["Bytes"]?.stringValue.flatMap(Base64.decode),
                  let config = try? JSONValue(parsing: bytes), config.objectValue != nil else {
                throw .malformed("delegate \(index) has no readable Bytes")
            }
            let network = entry["Name"]?.stringValue ?? config["name"]?.stringValue ?? ""
            var requests = SelectionRequests(mac: entry["macRequest"]?.stringValue,
                                             ips: strings(entry["ipRequest"]),
                                             infinibandGUID: entry["infinibandGUIDRequest"]?.stringValue,
                                             defaultRoute: strings(entry["default-route"]))
            if requests.mac?.isEmpty == true { requests.mac = nil }
            if requests.infinibandGUID?.isEmpty == true { requests.infinibandGUID = nil }
            let deviceID = entry["deviceID"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            let resourceName = entry["resourceName"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            if let own = entry[extensionKey], let ifName = own["ifName"]?.stringValue {
                let device = deviceID.flatMap { id in
                    own["deviceInfoFile"]?.stringValue.map {
                        CachedDevice(deviceID: id, resourceName: resourceName, infoFile: $0, claim: claimDevice(own["claimDevice"]))
                    }
                }
                out.append(CachedAttachment(network: network, ifName: ifName, config: config, args: CNIArgs(json: own["cniArgs"]),
                                            capabilityArgs: own["capabilityArgs"]?.objectValue ?? JSONObject(),
                                            isMaster: own["master"]?.boolValue ?? (index == 0), device: device,
                                            requests: requests, netns: own["netns"]?.stringValue ?? ""))
                continue
            }
            out.append(goEntry(index: index, network: network, config: config, ifnameRequest: entry["ifnameRequest"]?.stringValue,
                               requests: requests, deviceID: deviceID, resourceName: resourceName, context: context))
        }
        return out
    }

    /// As Go's DEL rebuilds an entry: `getIfname`, `createRuntimeConf` and
    /// `mergeCNIRuntimeConfig` (selection requests only for non-masters; the
    /// device-info file `<network>-<containerID>_<ifName>` for a device).
    private static func goEntry(index: Int, network: String, config: JSONValue, ifnameRequest: String?,
                                requests: SelectionRequests, deviceID: String?, resourceName: String?,
                                context: Context) -> CachedAttachment {
        let isMaster = index == 0
        let ifName = ifnameRequest.flatMap { $0.isEmpty ? nil : $0 } ?? (isMaster ? context.ifName : "net\(index)")
        var capabilities = context.runtimeConfig
        var device: CachedDevice?
        if !isMaster {
            if !requests.ips.isEmpty { capabilities["ips"] = .array(requests.ips.map(JSONValue.string)) }
            if let mac = requests.mac { capabilities["mac"] = .string(mac) }
            if let guid = requests.infinibandGUID { capabilities["infinibandGUID"] = .string(guid) }
            if let deviceID {
                let file = context.deviceInfoFolder + "/"
                    + "\(network)-\(context.containerID)_\(ifName)".replacing("/", with: "-")
                capabilities["deviceID"] = .string(deviceID)
                capabilities["CNIDeviceInfoFile"] = .string(file)
                device = CachedDevice(deviceID: deviceID, resourceName: resourceName, infoFile: file)
            }
        }
        return CachedAttachment(network: network, ifName: ifName, config: config, args: context.args,
                                capabilityArgs: capabilities, isMaster: isMaster, device: device, requests: requests)
    }

    private static func claimDevice(_ value: JSONValue?) -> CachedDevice.ClaimDevice? {
        guard let value, let namespace = value["namespace"]?.stringValue, let name = value["name"]?.stringValue,
              let driver = value["driver"]?.stringValue, let pool = value["pool"]?.stringValue,
              let device = value["device"]?.stringValue else { return nil }
        return .init(namespace: namespace, name: name, driver: driver, pool: pool, device: device,
                     shareID: value["shareID"]?.stringValue, apiVersion: value["apiVersion"]?.stringValue)
    }

    private static func strings(_ value: JSONValue?) -> [String] {
        (value?.arrayValue ?? []).compactMap(\.stringValue)
    }
}
