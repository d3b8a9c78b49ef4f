import CNISpec

/// The `status.devices[]` entries (KEP-4817) one writer holds in one
/// ResourceClaim: for each device (driver, pool, device, share) the `networkData`
/// {interfaceName, ips, hardwareAddress} of the interface it became.
///
/// `status.devices` is a list-map keyed by driver/device/pool/shareID whose
/// entries also belong to the DRA driver (its conditions, data). On the API
/// server this is written with server-side apply under `fieldManager`: the
/// applied entries are everything this writer holds, so an entry left out is
/// released (see `APIServerClusterState.write`). Elsewhere (a manifest
/// folder, memory) `merged(into:)` gives the same outcome without field
/// ownership: `released` names the devices whose network data goes.
package struct ClaimDeviceStatus: Sendable, Equatable {
    /// resource.k8s.io NetworkDeviceData: IPs in CIDR notation ("192.0.2.5/24").
    package struct NetworkData: Sendable, Equatable {
        package var interfaceName: String
        package var ips: [String]
        package var hardwareAddress: String
        package init(interfaceName: String, ips: [String] = [], hardwareAddress: String = "") {
            self.interfaceName = interfaceName
            self.ips = ips
            self.hardwareAddress = hardwareAddress
        }

        /// The API's limits (NetworkDeviceDataMaxIPs, …InterfaceNameMaxLength, …HardwareAddressMaxLength).
        package static let maximumIPs = 16
        package static let maximumInterfaceNameLength = 256
        package static let maximumHardwareAddressLength = 128

        /// Empty members are left out, as the API's `omitempty` does.
        package var json: JSONValue {
            var o = JSONObject()
            if !interfaceName.isEmpty { o["interfaceName"] = .string(interfaceName) }
            if !ips.isEmpty { o["ips"] = .array(ips.map(JSONValue.string)) }
            if !hardwareAddress.isEmpty { o["hardwareAddress"] = .string(hardwareAddress) }
            return .object(o)
        }
    }

    package struct Entry: Sendable, Equatable {
        package var device: AllocatedDevice
        package var networkData: NetworkData
        package init(device: AllocatedDevice, networkData: NetworkData) {
            self.device = device
            self.networkData = networkData
        }

        /// The `status.devices` entry: its key members (`shareID` only for a share) and the network data.
        var json: JSONValue {
            var o = JSONObject([("driver", .string(device.driver)), ("pool", .string(device.pool)), ("device", .string(device.device))])
            if let share = device.shareID { o["shareID"] = .string(share) }
            o["networkData"] = networkData.json
            return .object(o)
        }
    }

    package var claim: ObjectKey
    /// The server-side apply field manager: one per sandbox (see `fieldManager(containerID:)`).
    package var fieldManager: String
    /// The resource.k8s.io version ("v1", "v1beta2", …) the claim was seen in, when known.
    package var apiVersion: String?
    /// What the writer holds from now on; empty: nothing.
    package var entries: [Entry]
    /// Devices whose network data the writer held and gives up.
    package var released: [AllocatedDevice]

    package init(claim: ObjectKey, fieldManager: String, apiVersion: String? = nil, entries: [Entry],
                 released: [AllocatedDevice] = []) {
        self.claim = claim
        self.fieldManager = fieldManager
        self.apiVersion = apiVersion
        self.entries = entries
        self.released = released
    }

    /// Server-side apply field managers are at most 128 printable characters.
    package static let maximumFieldManagerLength = 128

    /// One manager per sandbox: a DEL of an old sandbox of the pod releases
    /// only what that sandbox wrote, never a newer sandbox's data.
    package static func fieldManager(containerID: String) -> String {
        String(("multus-swift-" + containerID).prefix(maximumFieldManagerLength))
    }

    /// The apply configuration: identity, and `status.devices` with our
    /// entries only (none at all when everything is released).
    package func applyConfiguration(apiVersion version: String) -> JSONValue {
        var o = JSONObject([("apiVersion", .string("resource.k8s.io/\(version)")), ("kind", "ResourceClaim"),
                            ("metadata", ["name": .string(claim.name), "namespace": .string(claim.namespace)])])
        if !entries.isEmpty {
            o["status"] = ["devices": .array(entries.map(\.json))]
        }
        return .object(o)
    }

    /// The claim with our entries written into `status.devices` (other
    /// members and other entries kept) and the released devices' network
    /// data removed (an entry that then only names its device goes). Like
    /// the API server, refuses an entry for a device the claim has not
    /// allocated (422).
    package func merged(into claimJSON: JSONValue) throws(KubeError) -> JSONValue {
        let allocated = Set((ResourceClaim(json: claimJSON).allocationResults ?? []).map(\.device))
        for entry in entries where !allocated.contains(entry.device) {
            throw .status(code: 422, reason: "Invalid",
                          message: "ResourceClaim.resource.k8s.io \"\(claim.name)\" is invalid: status.devices: Invalid value: \"\(entry.device)\": must be an allocated device in the claim")
        }
        var claimJSON = claimJSON
        var status = claimJSON["status"]?.objectValue ?? JSONObject()
        var devices = status["devices"]?.arrayValue ?? []
        func key(_ element: JSONValue) -> AllocatedDevice? {
            guard let driver = element["driver"]?.stringValue, let pool = element["pool"]?.stringValue,
                  let device = element["device"]?.stringValue else { return nil }
            return AllocatedDevice(driver: driver, pool: pool, device: device, shareID: element["shareID"]?.stringValue)
        }
        let written = Set(entries.map(\.device))
        for released in released where !written.contains(released) {
            guard let index = devices.firstIndex(where: { key($0) == released }) else { continue }
            devices[index]["networkData"] = Optional.none
            let rest = Set(devices[index].objectValue?.keys ?? []).subtracting(["driver", "pool", "device", "shareID"])
            if rest.isEmpty || (rest == ["conditions"] && (devices[index]["conditions"]?.arrayValue ?? []).isEmpty) {
                devices.remove(at: index)
            }
        }
        for entry in entries {
            if let index = devices.firstIndex(where: { key($0) == entry.device }) {
                devices[index]["networkData"] = entry.networkData.json
            } else {
                devices.append(entry.json)
            }
        }
        if devices.isEmpty { status["devices"] = Optional.none } else { status["devices"] = .array(devices) }
        claimJSON["status"] = .object(status)
        return claimJSON
    }
}
