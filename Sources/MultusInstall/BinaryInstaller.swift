import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// Puts the plugin binary into the host's CNI bin folder so that a runtime
/// starting it at the same moment finds the old file or the new one, whole:
/// the copy goes to a temporary name in the same folder, is flushed, and is
/// renamed over the old name. Renaming also avoids ETXTBSY, which writing into
/// a binary that is being executed would hit.
package enum BinaryInstaller {
    /// This process's own executable, the default source.
    package static let ownExecutable = "/proc/self/exe"

    /// Copies `source` to `directory/name`; false when the file there already
    /// had exactly these bytes (nothing written).
    @discardableResult
    package static func install(source: String, directory: String, name: String,
                               mode: mode_t = 0o755) throws(InstallError) -> Bool {
        let destination = Paths.join(directory, name)
        guard FileSystem.isDirectory(directory) else {
            throw .io("CNI bin directory \(directory) does not exist (is the host's /opt/cni/bin mounted?)")
        }
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw .io("cannot open binary \(source): \(Errno.text())") }
        defer { close(input) }
        var st = stat()
        guard fstat(input, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size > 0 else {
            throw .io("binary \(source) is not a non-empty regular file")
        }
        if sameContent(input, destination) {
            chmod(destination, mode)
            return false
        }
        guard lseek(input, 0, SEEK_SET) == 0 else { throw .io("cannot rewind \(source): \(Errno.text())") }

        let temp = Paths.join(directory, ".\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let output = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o700)
        guard output >= 0 else { throw .io("cannot create \(temp): \(Errno.text())") }
        var failure: String? = nil
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        copying: while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                failure = "cannot read \(source): \(Errno.text())"
                break
            }
            if n == 0 { break }
            var offset = 0
            while offset < n {
                let w = buffer.withUnsafeBytes { write(output, $0.baseAddress! + offset, n - offset) }
                if w < 0 {
                    if errno == EINTR { continue }
                    failure = "cannot write \(temp): \(Errno.text())"
                    break copying
                }
                offset += w
            }
        }
        // fchmod, not the open mode: the umask must not decide whether the runtime can execute it.
        if failure == nil && fchmod(output, mode) != 0 { failure = "cannot chmod \(temp): \(Errno.text())" }
        if failure == nil && fsync(output) != 0 { failure = "cannot flush \(temp): \(Errno.text())" }
        if close(output) != 0 && failure == nil { failure = "cannot close \(temp): \(Errno.text())" }
        if failure == nil && rename(temp, destination) != 0 {
            failure = "cannot rename \(temp) to \(destination): \(Errno.text())"
        }
        if let failure {
            unlink(temp)
            throw .io(failure)
        }
        let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { fsync(dfd); close(dfd) }
        return true
    }

    /// Compares the open source with the destination, block by block.
    private static func sameContent(_ input: Int32, _ destination: String) -> Bool {
        let other = open(destination, O_RDONLY | O_CLOEXEC)
        guard other >= 0 else { return false }
        defer { close(other) }
        var a = stat(), b = stat()
        guard fstat(input, &a) == 0, fstat(other, &b) == 0, a.st_size == b.st_size else { return false }
        var left = [UInt8](repeating: 0, count: 1 << 16), right = left
        while true {
            let n = readFull(input, &left)
            let m = readFull(other, &right)
            guard n == m, n >= 0 else { return false }
            if n == 0 { return true }
            let same = left.withUnsafeBytes { l in right.withUnsafeBytes { r in memcmp(l.baseAddress!, r.baseAddress!, n) == 0 } }
            if !same { return false }
        }
    }

    private static func readFull(_ fd: Int32, _ buffer: inout [UInt8]) -> Int {
        var filled = 0
        while filled < buffer.count {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0 { if errno == EINTR { continue }; return -1 }
            if n == 0 { break }
            filled += n
        }
        return filled
    }
}
