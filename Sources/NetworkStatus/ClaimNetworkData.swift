import CNISpec
import KubeAPI

/// The `networkData` (KEP-4817) of a device that became an attachment: the
/// sandbox interface its plugin's result names, with that interface's
/// addresses (CIDR notation, as the API wants them) and MAC.
package enum ClaimNetworkData {
    /// - Parameter ifName: the attachment's interface; the result's sandbox
    ///   interface of that name is the one described (else its first one).
    package static func networkData(result: JSONValue, resultVersion: CNIVersion, ifName: String)
        throws(CNIError) -> ClaimDeviceStatus.NetworkData
    {
        let r = try CNIResult(json: result, defaultVersion: resultVersion)
        let sandbox = r.interfaces.indices.filter { !r.interfaces[$0].sandbox.isEmpty }
        let index = sandbox.first { r.interfaces[$0].name == ifName } ?? sandbox.first
        var ips: [String] = []
        for ip in r.ips where index == nil || ip.interface == nil || ip.interface == index {
            if !ips.contains(ip.address) { ips.append(ip.address) }
        }
        let interface = index.map { r.interfaces[$0] }
        return ClaimDeviceStatus.NetworkData(
            interfaceName: String((interface?.name ?? ifName).prefix(ClaimDeviceStatus.NetworkData.maximumInterfaceNameLength)),
            ips: Array(ips.prefix(ClaimDeviceStatus.NetworkData.maximumIPs)),
            hardwareAddress: String((interface?.mac ?? "").prefix(ClaimDeviceStatus.NetworkData.maximumHardwareAddressLength)))
    }
}
