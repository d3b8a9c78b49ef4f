import CNetlink
import Glibc

/// Running a piece of work inside another network namespace.
package enum NetworkNamespace {
    /// Where the calling thread's own namespace is found. setns(2) switches
    /// only the calling thread, so the process-wide /proc/self would be wrong
    /// whenever another thread has switched.
    static let currentThreadPath = "/proc/thread-self/ns/net"

    /// Switches the calling thread into the namespace at `path` (e.g.
    /// `/var/run/netns/x` or `/proc/<pid>/ns/net`), runs `body`, and always
    /// switches back, even when `body` throws.
    ///
    /// `body` is synchronous on purpose: an `await` could resume on another thread,
    /// leaving this one in the wrong namespace. Netlink sockets created inside
    /// stay bound to the target namespace after the switch back.
    package static func run<T>(inNamespaceAt path: String, _ body: () throws -> T) throws -> T {
        let target = try openNamespace(at: path)
        defer { close(target) }
        let original = try openNamespace(at: currentThreadPath)
        defer { close(original) }

        guard setNetworkNamespace(target) == 0 else {
            let code = errno
            throw code == EINVAL
                ? NetlinkError.notANetworkNamespace(path: path)
                : NetlinkError.namespaceEnterFailed(path: path, errno: code)
        }
        let outcome = Result { try body() }
        guard setNetworkNamespace(original) == 0 else {
            throw NetlinkError.namespaceRestoreFailed(errno: errno)
        }
        return try outcome.get()
    }

    /// The inode of the calling thread's network namespace; equal inodes mean
    /// the same namespace.
    package static func currentInode() throws(NetlinkError) -> UInt64 {
        var info = stat()
        guard stat(currentThreadPath, &info) == 0 else {
            throw .namespaceOpenFailed(path: currentThreadPath, errno: errno)
        }
        return UInt64(info.st_ino)
    }

    private static func openNamespace(at path: String) throws(NetlinkError) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw code == ENOENT
                ? .namespaceNotFound(path: path)
                : .namespaceOpenFailed(path: path, errno: code)
        }
        return fd
    }
}

private func setNetworkNamespace(_ fd: Int32) -> Int32 {
    setns(fd, CNETLINK_CLONE_NEWNET)
}
