import CNISpec
import CZlib
import KubeAPI
import SystemSupport

/// kubelet's DRA manager checkpoint, `<kubeletRootDir>/dra_manager_state`.
///
/// - 1.31 and later: `{"Data":"<json>","Checksum":<crc32>}`, where Data is
///   `{"kind":"DRACheckpoint","apiVersion":"checkpoint.dra.kubelet.k8s.io/v1",
///   "Entries"|"ClaimInfoStateList":[{ClaimUID, ClaimName, Namespace, PodUIDs,
///   DriverState:{"<driver>":{"Devices":[{PoolName, DeviceName, ShareID
///   (1.34+, null unless the device is shared), RequestNames,
///   CDIDeviceIDs}]}}}]}` and Checksum is CRC-32 (IEEE) of Data's bytes, as
///   kubelet's `crc32.ChecksumIEEE([]byte(cp.Data))`. Verified. RequestNames
///   map an extended resource's request to its devices.
/// - 1.30 and earlier: `{"version":"v1","entries":[{ClaimUID, ClaimName,
///   Namespace, PodUIDs, DriverName, ResourceHandles:[{driverName,
///   structuredData:{nodeName, results:[{namedResources:{name}}]}}]}],
///   "checksum":N}`; the pool is the node (structured parameters had no
///   pools then). The checksum (FNV over a Go dump) is not verified.
///
/// Unknown keys are ignored. PodUIDs is a set (a JSON object) in kubelet's
/// files; a list is accepted too.
package struct DRACheckpoint: Sendable, Equatable {
    package static let relativePath = "dra_manager_state"

    package struct Entry: Sendable, Equatable {
        package var claimUID: String
        package var claim: ObjectKey
        package var podUIDs: Set<String>
        package var devices: [AllocatedDevice]
        /// Each device's RequestNames (1.31+ only).
        package var requestNames: [AllocatedDevice: [String]]

        package init(claimUID: String, claim: ObjectKey, podUIDs: Set<String>, devices: [AllocatedDevice],
                     requestNames: [AllocatedDevice: [String]] = [:]) {
            self.claimUID = claimUID
            self.claim = claim
            self.podUIDs = podUIDs
            self.devices = devices
            self.requestNames = requestNames
        }
    }

    package enum Format: Sendable, Equatable {
        case legacy  // ≤ 1.30
        case checksummed  // 1.31+
    }

    package var format: Format
    package var entries: [Entry]

    /// `path` is only for error messages.
    package init(parsing bytes: [UInt8], path: String) throws(DeviceReaderError) {
        func corrupt(_ why: String) -> DeviceReaderError { .corruptCheckpoint(path: path, reason: why) }
        let json: JSONValue
        do { json = try JSONValue(parsing: bytes) } catch { throw corrupt("\(error)") }
        guard json.objectValue != nil else { throw corrupt("not a JSON object") }

        let list: JSONValue
        if let data = json["Data"] {
            guard let text = data.stringValue else { throw corrupt("\"Data\" is not a string") }
            guard let stored = json["Checksum"]?.intValue else { throw corrupt("no numeric \"Checksum\"") }
            let actual = Self.crc32IEEE(text)
            guard stored >= 0, stored <= Int(UInt32.max), UInt32(stored) == actual else {
                throw corrupt("checksum mismatch (stored \(stored), data has \(actual))")
            }
            let inner: JSONValue
            do { inner = try JSONValue(parsing: text) } catch { throw corrupt("\"Data\" is not JSON: \(error)") }
            guard inner.objectValue != nil else { throw corrupt("\"Data\" is not a JSON object") }
            if let kind = inner["kind"]?.stringValue, kind != "DRACheckpoint" {
                throw corrupt("\"Data\" is a \(kind), not a DRACheckpoint")
            }
            list = inner["Entries"] ?? inner["ClaimInfoStateList"] ?? .null
            format = .checksummed
        } else if json["version"] != nil || json["entries"] != nil {
            list = json["entries"] ?? .null
            format = .legacy
        } else {
            throw corrupt("neither the 1.31+ {Data, Checksum} form nor the 1.30 {version, entries} form")
        }
        guard list.isNull || list.arrayValue != nil else { throw corrupt("the claim list is not a list") }

        var entries: [Entry] = []
        for (i, element) in (list.arrayValue ?? []).enumerated() {
            guard let name = element["ClaimName"]?.stringValue, let namespace = element["Namespace"]?.stringValue else {
                throw corrupt("entry \(i) has no ClaimName or Namespace")
            }
            let (devices, requestNames) = Self.devices(of: element)
            entries.append(Entry(claimUID: element["ClaimUID"]?.stringValue ?? "",
                                 claim: ObjectKey(namespace: namespace, name: name),
                                 podUIDs: Self.podUIDs(element["PodUIDs"]),
                                 devices: devices, requestNames: requestNames))
        }
        self.entries = entries
    }

    /// Go's `crc32.ChecksumIEEE`, from zlib (the same polynomial and conditioning).
    package static func crc32IEEE(_ text: String) -> UInt32 {
        var text = text
        return text.withUTF8 { bytes in
            UInt32(truncatingIfNeeded: crc32(0, bytes.baseAddress, uInt(bytes.count)))
        }
    }

    /// nil when the file does not exist.
    package static func load(kubeletRootDir: String) throws(DeviceReaderError) -> DRACheckpoint? {
        let path = kubeletRootDir + "/" + relativePath
        let bytes: [UInt8]?
        do { bytes = try FileSystem.read(path, limit: 64 << 20) } catch { throw .corruptCheckpoint(path: path, reason: error.description) }
        return try bytes.map { bytes throws(DeviceReaderError) in try DRACheckpoint(parsing: bytes, path: path) }
    }

    /// The devices of `claim` as prepared for this pod. An entry that does not
    /// list the pod is stale (a static claim now used by another pod) and is
    /// not used.
    package func allocation(of claim: ObjectKey, podUID: String) -> ClaimAllocation? {
        guard let entry = entries.first(where: { $0.claim == claim && $0.podUIDs.contains(podUID) }),
              !entry.devices.isEmpty else { return nil }
        return ClaimAllocation(claim: claim, devices: entry.devices, requestNames: entry.requestNames)
    }

    private static func podUIDs(_ value: JSONValue?) -> Set<String> {
        switch value ?? .null {
        case .object(let set): Set(set.keys)
        case .array(let list): Set(list.compactMap(\.stringValue))
        default: []
        }
    }

    private static func devices(of entry: JSONValue) -> ([AllocatedDevice], [AllocatedDevice: [String]]) {
        var devices: [AllocatedDevice] = []
        var requestNames: [AllocatedDevice: [String]] = [:]
        // 1.31+: DriverState per driver (kubelet writes the drivers sorted by name).
        for member in entry["DriverState"]?.objectValue ?? JSONObject() {
            for device in member.value["Devices"]?.arrayValue ?? [] {
                guard let pool = device["PoolName"]?.stringValue, let name = device["DeviceName"]?.stringValue else { continue }
                let key = AllocatedDevice(driver: member.key, pool: pool, device: name,
                                          shareID: device["ShareID"]?.stringValue)
                devices.append(key)
                requestNames[key, default: []] += (device["RequestNames"]?.arrayValue ?? []).compactMap(\.stringValue)
            }
        }
        // ≤1.30: structured results of each resource handle; the node is the pool.
        for handle in entry["ResourceHandles"]?.arrayValue ?? [] {
            guard let driver = handle["driverName"]?.stringValue ?? entry["DriverName"]?.stringValue,
                  let structured = handle["structuredData"] else { continue }
            let pool = structured["nodeName"]?.stringValue ?? ""
            for result in structured["results"]?.arrayValue ?? [] {
                if let name = result["namedResources"]?["name"]?.stringValue {
                    devices.append(.init(driver: driver, pool: pool, device: name))
                }
            }
        }
        return (devices, requestNames)
    }
}
