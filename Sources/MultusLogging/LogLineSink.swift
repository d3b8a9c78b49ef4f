import Glibc

/// Somewhere finished log lines go. Each call carries one whole line, which
/// the sink hands to the kernel in one write(2), so lines from concurrent
/// multus processes never interleave.
protocol LogLineSink: Sendable {
    func write(_ line: [UInt8])
}

/// A descriptor the process already has open: stderr.
struct FileDescriptorSink: LogLineSink {
    let fd: Int32

    static let standardError = FileDescriptorSink(fd: STDERR_FILENO)

    func write(_ line: [UInt8]) { _ = writeFully(fd, line) }
}

/// One write(2) for the whole buffer; the loop only matters for the rare short write.
@discardableResult
func writeFully(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { buffer in
        guard let base = buffer.baseAddress else { return true }
        var offset = 0
        while offset < buffer.count {
            let n = Glibc.write(fd, base + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }
}
