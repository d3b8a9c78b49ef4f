import CNetlink
import Glibc

/// Everything that can go wrong in this module. System calls carry their
/// `errno`, libnl calls their (negative) libnl error code, so the description
/// can quote the library's own text.
package enum NetlinkError: Error, Equatable, Sendable, CustomStringConvertible {
    case socketAllocationFailed
    case connectFailed(code: Int32)
    case requestFailed(operation: String, code: Int32)
    case invalidAddress(String)
    case routeExists(destination: String)
    case routeNotFound(destination: String)

    package var description: String {
        switch self {
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

    static func libnlText(_ code: Int32) -> String {
        String(cString: nl_geterror(code))
    }
}
