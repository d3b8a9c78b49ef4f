import CNISpec
import SystemSupport

/// The Network Plumbing WG device-info files: the device plugin's under
/// `<dir>/dp/`, ours (one per attachment) under `<dir>/cni/`.
package struct DeviceInfoFiles: Sendable {
    package let directory: String

    package init(directory: String) { self.directory = directory }

    package var attachmentFolder: String { Paths.join(directory, "cni") }

    /// `<dir>/dp/<resource>-<deviceID>-device.json`, `/` → `-` in both.
    package func devicePluginFile(resourceName: String, deviceID: String) -> String {
        Paths.join(directory, "dp/\(resourceName.replacing("/", with: "-"))-\(deviceID.replacing("/", with: "-"))-device.json")
    }

    /// `<dir>/cni/<network>-<containerID>_<ifName>`, `/` → `-`.
    package func attachmentFile(network: String, containerID: String, ifName: String) -> String {
        Paths.join(attachmentFolder, "\(network)-\(containerID)_\(ifName)".replacing("/", with: "-"))
    }

    /// Before the delegate runs: the device plugin's file, when it wrote one,
    /// becomes the attachment's CNIDeviceInfoFile. Absent is fine (false).
    @discardableResult
    package func seed(_ attachmentFile: String, resourceName: String, deviceID: String) throws(SystemError) -> Bool {
        guard let bytes = try FileSystem.read(devicePluginFile(resourceName: resourceName, deviceID: deviceID),
                                              limit: 1 << 20) else { return false }
        try FileSystem.makeDirectories(Paths.directory(of: attachmentFile), mode: 0o755)
        try FileSystem.writeAtomically(attachmentFile, bytes, mode: 0o444)
        return true
    }

    /// The device-info for network-status: the file's JSON object, nil when
    /// absent; a file that is not an object is reported, never fatal.
    package func read(_ file: String) -> Result<JSONValue?, CNIError> {
        guard let bytes = try? FileSystem.read(file, limit: 1 << 20) else { return .success(nil) }
        guard let json = try? JSONValue(parsing: bytes), json.objectValue != nil else {
            return .failure(.decoding("device-info file \(file) is not a JSON object"))
        }
        return .success(json)
    }

    /// After DEL: removes the attachment's file, but only one inside our own
    /// folder (a cached path like `<dir>/cni/../../x` must not unlink `x`).
    package func remove(_ file: String) throws(SystemError) {
        guard Paths.isInside(file, attachmentFolder) else { return }
        try FileSystem.remove(Paths.normalized(file))
    }
}
