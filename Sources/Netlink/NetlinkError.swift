import CNetlink
import Glibc

/// Everything that can go wrong in this module. System calls carry their
/// `errno`, libnl calls their (negative) libnl error code, so the description
/// can quote the library's own text.
package enum NetlinkError: Error, Equatable, Sendable, CustomStringConvertible {
    case namespaceNotFound(path: String)
    case notANetworkNamespace(path: String)
    case namespaceOpenFailed(path: String, errno: Int32)
    case namespaceEnterFailed(path: String, errno: Int32)
    /// The thread could not go back to its own namespace; whatever runs on it
    /// next would act in the wrong one, so callers should treat this as fatal.
    case namespaceRestoreFailed(errno: Int32)
    case socketAllocationFailed
    case connectFailed(code: Int32)
    case requestFailed(operation: String, code: Int32)
    case invalidAddress(String)
    case routeExists(destination: String)
    case routeNotFound(destination: String)

    package var description: String {
        switch self {
        case .namespaceNotFound(let path):
            return "network namespace \(path) does not exist"
        case .notANetworkNamespace(let path):
            return "\(path) is not a network namespace"
        case .namespaceOpenFailed(let path, let code):
            return "cannot open network namespace \(path): \(Self.systemText(code))"
        case .namespaceEnterFailed(let path, let code):
            return "cannot enter network namespace \(path): \(Self.systemText(code))"
        case .namespaceRestoreFailed(let code):
            return "cannot return to the original network namespace: \(Self.systemText(code))"
        case .socketAllocationFailed:
            return "cannot allocate a netlink socket"
        case .connectFailed(let code):
            return "cannot connect a NETLINK_ROUTE socket: \(Self.libnlText(code))"
        case .requestFailed(let operation, let code):
            return "netlink \(operation) failed: \(Self.libnlText(code))"
        case .invalidAddress(let text):
            return "invalid IP address or CIDR \"\(text)\""
        case .routeExists(let destination):
            return "route to \(destination) already exists"
        case .routeNotFound(let destination):
            return "route to \(destination) not found"
        }
    }

    static func systemText(_ code: Int32) -> String {
        "\(String(cString: strerror(code))) (errno \(code))"
    }

    static func libnlText(_ code: Int32) -> String {
        String(cString: nl_geterror(code))
    }
}
