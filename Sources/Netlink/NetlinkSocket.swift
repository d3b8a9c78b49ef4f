import CNetlink
import Glibc

/// A NETLINK_ROUTE socket. The kernel binds it to the network namespace of the
/// thread that creates it, for its whole life: create it inside
/// `NetworkNamespace.run` to work on a pod's namespace.
///
/// Not Sendable: libnl sockets keep sequence numbers and are not thread-safe.
package final class NetlinkSocket {
    let handle: OpaquePointer

    package init() throws(NetlinkError) {
        guard let sock = nl_socket_alloc() else { throw .socketAllocationFailed }
        let status = nl_connect(sock, NETLINK_ROUTE)
        guard status >= 0 else {
            nl_socket_free(sock)
            throw .connectFailed(code: status)
        }
        handle = sock
    }

    deinit {
        nl_socket_free(handle)  // also closes the file descriptor
    }

    /// Runs a libnl call that returns a negative libnl error code on failure.
    func check(_ operation: String, _ status: Int32) throws(NetlinkError) {
        guard status >= 0 else { throw .requestFailed(operation: operation, code: status) }
    }
}
