import CNISpec
import Netlink

/// Looks into the pod's namespace over netlink (libnl-route).
public struct NetlinkSandboxInspector: SandboxInspecting {
    public init() {}

    public func interfaceExists(named name: String, inNetns path: String) throws(CNIError) -> Bool {
        do {
            return try NetworkNamespace.run(inNamespaceAt: path) { try NetlinkSocket().link(named: name) != nil }
        } catch {
            throw CNIError(code: CNIError.ioFailure, msg: "cannot inspect network namespace \(path): \(error)")
        }
    }
}
