import CNISpec
import NetworkStatus
import SystemSupport

extension Invocation {
    /// Before the delegate runs: the device plugin's device-info, when it wrote
    /// one, becomes this attachment's CNIDeviceInfoFile. A failure is only
    /// logged, as in Go Multus: the plugin may write the file itself.
    func seedDeviceInfo(of attachment: Attachment) {
        guard let device = attachment.device, let resource = device.resourceName else { return }
        do {
            if !(try deviceInfo.seed(device.infoFile, resourceName: resource, deviceID: device.deviceID)) {
                logger.debug("\(context(attachment.statusName)): no device-plugin device-info for \(resource) \(device.deviceID)")
            }
        } catch {
            logger.info("\(context(attachment.statusName)): device-info not copied: \(error)")
        }
    }

    /// The attachment's device-info for network-status: the file it was given.
    func deviceInfo(for attachment: Attachment) -> JSONValue? {
        guard let file = attachment.capabilityArgs["CNIDeviceInfoFile"]?.stringValue else { return nil }
        switch deviceInfo.read(file) {
        case .success(let json): return json
        case .failure(let error):
            logger.info("\(context(attachment.statusName)): \(error.msg); not shown")
            return nil
        }
    }

    /// After DEL: the attachment's device-info file goes (only ever one inside
    /// our own folder, whatever a cache says).
    func removeDeviceInfo(of attachment: Attachment) {
        guard let file = attachment.device?.infoFile ?? attachment.capabilityArgs["CNIDeviceInfoFile"]?.stringValue else { return }
        do { try deviceInfo.remove(file) } catch {
            logger.error("\(context(attachment.statusName)): \(error)")
        }
    }
}
