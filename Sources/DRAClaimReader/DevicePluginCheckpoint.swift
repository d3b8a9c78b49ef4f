import CNISpec
import SystemSupport

/// kubelet's device-manager checkpoint,
/// `<kubeletRootDir>/device-plugins/kubelet_internal_checkpoint`:
/// `{"Data":{"PodDeviceEntries":[{PodUID, ContainerName, ResourceName,
/// DeviceIDs, AllocResp}], "RegisteredDevices":{…}}, "Checksum":N}`.
/// DeviceIDs is `{"<numa node>": [ids]}` since 1.20 and a plain list before.
/// The checksum is not verified (kubelet hashes a Go-specific dump of the
/// structure, which cannot be reproduced from the JSON).
package struct DevicePluginCheckpoint: Sendable, Equatable {
    package static let relativePath = "device-plugins/kubelet_internal_checkpoint"

    package struct Entry: Sendable, Equatable {
        package var podUID: String
        package var containerName: String
        package var resourceName: String
        /// In file order: NUMA nodes as listed, IDs as listed within each.
        package var deviceIDs: [String]

        package init(podUID: String, containerName: String, resourceName: String, deviceIDs: [String]) {
            self.podUID = podUID
            self.containerName = containerName
            self.resourceName = resourceName
            self.deviceIDs = deviceIDs
        }
    }

    package var entries: [Entry]

    package init(entries: [Entry]) { self.entries = entries }

    /// `path` is only for the error message.
    package init(parsing bytes: [UInt8], path: String) throws(DeviceReaderError) {
        func corrupt(_ why: String) -> DeviceReaderError { .corruptCheckpoint(path: path, reason: why) }
        let json: JSONValue
        do { json = try JSONValue(parsing: bytes) } catch { throw corrupt("\(error)") }
        guard let data = json["Data"], data.objectValue != nil else { throw corrupt("no \"Data\" object") }
        let list = data["PodDeviceEntries"] ?? .null
        guard list.isNull || list.arrayValue != nil else { throw corrupt("\"PodDeviceEntries\" is not a list") }
        var entries: [Entry] = []
        for (i, element) in (list.arrayValue ?? []).enumerated() {
            guard let podUID = element["PodUID"]?.stringValue, let resource = element["ResourceName"]?.stringValue else {
                throw corrupt("PodDeviceEntries[\(i)] has no PodUID or ResourceName")
            }
            var ids: [String] = []
            switch element["DeviceIDs"] ?? .null {
            case .null: break
            case .array(let plain):  // before 1.20
                ids = plain.compactMap(\.stringValue)
            case .object(let byNUMANode):
                for member in byNUMANode { ids += member.value.arrayValue?.compactMap(\.stringValue) ?? [] }
            default:
                throw corrupt("PodDeviceEntries[\(i)].DeviceIDs is neither a list nor an object")
            }
            entries.append(Entry(podUID: podUID, containerName: element["ContainerName"]?.stringValue ?? "",
                                 resourceName: resource, deviceIDs: ids))
        }
        self.entries = entries
    }

    /// nil when the file does not exist.
    package static func load(kubeletRootDir: String) throws(DeviceReaderError) -> DevicePluginCheckpoint? {
        let path = kubeletRootDir + "/" + relativePath
        let bytes: [UInt8]?
        do { bytes = try FileSystem.read(path, limit: 64 << 20) } catch { throw .corruptCheckpoint(path: path, reason: error.description) }
        return try bytes.map { bytes throws(DeviceReaderError) in try DevicePluginCheckpoint(parsing: bytes, path: path) }
    }

    /// The pod's allocations, per container in file order.
    package func allocations(podUID: String) -> [(resource: String, deviceIDs: [String])] {
        entries.filter { $0.podUID == podUID }.map { ($0.resourceName, $0.deviceIDs) }
    }
}
