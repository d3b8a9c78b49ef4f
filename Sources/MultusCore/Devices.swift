import CNISpec
import DRAClaimReader
import Delegation
import KubeAPI
import SystemSupport

/// The device an attachment got: its ID (a PCI address for SR-IOV), the
/// resource it came from, and the device-info file multus-swift manages for it.
package struct AttachmentDevice: Sendable, Equatable {
    package var deviceID: String
    /// The NAD's resource, when the ID came from the pod's allocations; nil when
    /// it is the selection's own `deviceID`.
    package var resourceName: String?
    /// `<deviceInfoDir>/cni/<network>-<containerID>_<ifName>` (`/` → `-`).
    package var infoFile: String

    package init(deviceID: String, resourceName: String?, infoFile: String) {
        self.deviceID = deviceID
        self.resourceName = resourceName
        self.infoFile = infoFile
    }

    /// As kept in the scratch cache's `extra`, so DEL needs nothing else.
    var json: JSONValue {
        var o = JSONObject([("deviceID", .string(deviceID)), ("deviceInfoFile", .string(infoFile))])
        if let resourceName { o["resourceName"] = .string(resourceName) }
        return .object(o)
    }

    init?(json: JSONValue?) {
        guard let id = json?["deviceID"]?.stringValue, let file = json?["deviceInfoFile"]?.stringValue else { return nil }
        self.init(deviceID: id, resourceName: json?["resourceName"]?.stringValue, infoFile: file)
    }

    static let extraKey = "device"
}

/// The Network Plumbing WG device-info files (device-info spec): the device
/// plugin's under `dp/`, ours (one per attachment) under `cni/`.
package enum DeviceInfoFiles {
    package static let defaultDirectory = "/var/run/k8s.cni.cncf.io/devinfo"

    /// `<dir>/dp/<resource>-<deviceID>-device.json`, `/` → `-` in both.
    package static func devicePluginFile(directory: String, resourceName: String, deviceID: String) -> String {
        "\(directory)/dp/\(resourceName.replacing("/", with: "-"))-\(deviceID.replacing("/", with: "-"))-device.json"
    }

    /// `<dir>/cni/<network>-<containerID>_<ifName>`, `/` → `-`.
    package static func attachmentFile(directory: String, network: String, containerID: String, ifName: String) -> String {
        "\(directory)/cni/" + "\(network)-\(containerID)_\(ifName)".replacing("/", with: "-")
    }
}

extension Planner {
    /// A device for the attachment: the resource map's, else the selection's own
    /// `deviceID`. It goes into every plugin's config (`deviceID`, `pciBusID`),
    /// runtimeConfig `deviceID` and `CNIDeviceInfoFile`.
    func device(for planned: PlannedNetwork, ifName: String, env: CNIEnvironment) -> AttachmentDevice? {
        guard let id = planned.deviceID ?? planned.selection?.deviceID else { return nil }
        let file = DeviceInfoFiles.attachmentFile(directory: config.deviceInfoDir, network: planned.delegate.statusName,
                                                  containerID: env.containerID, ifName: ifName)
        return AttachmentDevice(deviceID: id, resourceName: planned.deviceID != nil ? planned.resourceName : nil, infoFile: file)
    }

    static func apply(_ device: AttachmentDevice, to delegate: inout Delegate, capabilities: inout JSONObject) throws(CNIError) {
        delegate.network = try delegate.network.withDeviceID(device.deviceID)
        // The allocation wins over a deviceID the runtime or selection passed (as Multus).
        capabilities["deviceID"] = .string(device.deviceID)
        capabilities["CNIDeviceInfoFile"] = .string(device.infoFile)
    }
}

extension NetworkConfigList {
    /// The same network with `deviceID` and `pciBusID` in every plugin (Multus's
    /// delegateAddDeviceID / addDeviceIDInConfList; host-device reads pciBusID).
    func withDeviceID(_ id: String) throws(CNIError) -> NetworkConfigList {
        try mappingPlugins { plugin in
            plugin["deviceID"] = .string(id)
            plugin["pciBusID"] = .string(id)
        }
    }
}

extension Multus {
    /// Gives each network whose NAD names a resource the next device ID of that
    /// resource (annotation order). The map is built only when some network
    /// needs it: no kubelet file, socket or claim is read otherwise.
    func assignDevices(_ networks: inout [PlannedNetwork], pod: Pod?) throws(CNIError) {
        guard let pod, networks.contains(where: { $0.resourceName != nil }) else { return }
        let builder = ResourceMapBuilder(kubeletRootDir: config.kubeletRootDir, cluster: cluster)
        var report: ResourceMapBuilder.Report
        do { report = try builder.build(for: pod) } catch {
            throw error.asCNIError(context: context("devices"))
        }
        for note in report.notes { logger.info("\(context("devices")): \(note)") }
        logger.debug("\(context("devices")): resource map \(report.map) (device plugins: \(report.devicePluginSource); claims: \(report.claimSources.map { "\($0.claim) from \($0.source.rawValue)" }); \(report.claimReads) claim reads, \(report.sliceLists) slice lists)")
        for index in networks.indices {
            guard let resource = networks[index].resourceName else { continue }
            if let id = report.map.take(resource) {
                networks[index].deviceID = id
            } else {
                logger.info("\(context(networks[index].delegate.statusName)): no device of resource \(resource) is allocated to the pod (or all are taken)")
            }
        }
    }

    /// Before the delegate runs: the device plugin's device-info, when it wrote
    /// one, becomes this attachment's CNIDeviceInfoFile. Absent is fine.
    func seedDeviceInfo(_ attachment: Attachment) throws(CNIError) {
        guard let device = attachment.device, let resource = device.resourceName else { return }
        let source = DeviceInfoFiles.devicePluginFile(directory: config.deviceInfoDir, resourceName: resource,
                                                      deviceID: device.deviceID)
        let found: [UInt8]?
        do { found = try FileSystem.read(source) } catch { throw error.cniError }
        guard let bytes = found else {
            logger.debug("\(context(attachment.delegate.statusName)): no device-info file \(source)")
            return
        }
        do {
            try FileSystem.makeDirectories(Paths.directory(of: device.infoFile), mode: 0o755)
            try FileSystem.writeAtomically(device.infoFile, bytes, mode: 0o444)
        } catch { throw error.cniError }
    }

    /// The attachment's device-info for network-status: the CNIDeviceInfoFile it
    /// was given (the device plugin's copy, or what the plugin wrote there).
    func deviceInfo(of attachment: Attachment) -> JSONValue? {
        guard let file = attachment.capabilityArgs["CNIDeviceInfoFile"]?.stringValue,
              let bytes = try? FileSystem.read(file) else { return nil }
        guard let json = try? JSONValue(parsing: bytes), json.objectValue != nil else {
            logger.info("\(context(attachment.delegate.statusName)): device-info file \(file) is not a JSON object; not shown")
            return nil
        }
        return json
    }

    /// After DEL (or a rollback): the attachment's device-info file goes. For
    /// attachments rebuilt from the results cache, the CNIDeviceInfoFile is
    /// removed only when it is one of ours.
    func removeDeviceInfo(_ attachment: Attachment) {
        var file = attachment.device?.infoFile
        if file == nil, let given = attachment.capabilityArgs["CNIDeviceInfoFile"]?.stringValue,
           given.hasPrefix(config.deviceInfoDir + "/cni/") {
            file = given
        }
        guard let file else { return }
        do { try FileSystem.remove(file) } catch {
            logger.error("\(context(attachment.delegate.statusName)): \(error.description)")
        }
    }
}

extension DeviceReaderError {
    func asCNIError(context: String) -> CNIError {
        switch self {
        case .api(let what, let error): error.asCNIError(context: "\(context): \(what)")
        default: CNIError(code: CNIError.multusInternal, msg: "\(context): \(self)")
        }
    }
}
