#if canImport(Glibc)
import Glibc
#endif

/// An exclusive flock(2) on a lock file that is never renamed or replaced, so
/// every writer of the data beside it locks the same inode.
package struct FileLock: ~Copyable {
    private let fd: Int32

    /// Blocks until the lock on `path` (created if needed) is held.
    package init(path: String) throws(SystemError) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw SystemError("open lock file", path) }
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let code = errno
            close(fd)
            throw SystemError("lock", path, code: code)
        }
        self.fd = fd
    }

    deinit { close(fd) }
}
