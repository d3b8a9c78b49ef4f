import Glibc
import Synchronization

/// The log file, rotated the way lumberjack (Multus's writer) does it, but safe
/// with many multus processes writing at once.
///
/// Every line is appended under a shared flock(2) on the file, after checking
/// that our descriptor still is the file at `path`. A process that must rotate
/// takes the exclusive lock, checks again and renames the file aside. So once
/// the rename is done nobody appends to the old file any more: a process
/// holding it finds it replaced, reopens `path` (creating it if needed) and
/// writes there. Nothing is truncated, so no line is lost.
final class RotatingLogFile: LogLineSink {
    let path: String
    let options: LogOptions
    /// `options.maxSizeBytes` unless a caller (a test) rotates sooner.
    let rotateAfter: Int64
    let backups: LogBackups
    /// The descriptor for `path`, -1 until the first line (nothing is opened if nothing is logged).
    private let descriptor = Mutex<Int32>(-1)

    init(path: String, options: LogOptions, rotateAfter: Int64? = nil) {
        self.path = path
        self.options = options
        self.rotateAfter = max(1, rotateAfter ?? options.maxSizeBytes)
        self.backups = LogBackups(logFile: path)
    }

    deinit {
        descriptor.withLock { fd in
            if fd >= 0 { close(fd) }
        }
    }

    func write(_ line: [UInt8]) {
        descriptor.withLock { fd in
            for _ in 0..<4 {
                if fd < 0 { fd = openLogFile() }
                guard fd >= 0 else { return }
                flock(fd, LOCK_SH)
                guard let size = currentSize(fd) else {
                    // Another process rotated (or removed) the file: follow the name.
                    flock(fd, LOCK_UN)
                    close(fd)
                    fd = -1
                    continue
                }
                if size > 0 && size + Int64(line.count) > rotateAfter {
                    flock(fd, LOCK_UN)
                    rotate(fd, incoming: line.count)
                    close(fd)
                    fd = -1
                    continue
                }
                writeFully(fd, line)
                flock(fd, LOCK_UN)
                return
            }
            // The file keeps changing under us: write the line anyway rather than drop it.
            if fd < 0 { fd = openLogFile() }
            if fd >= 0 { writeFully(fd, line) }
        }
    }

    /// Moves the file aside if it is still ours and still too big, then cleans up backups.
    private func rotate(_ fd: Int32, incoming: Int) {
        flock(fd, LOCK_EX)
        var rotated: String?
        if let size = currentSize(fd), size > 0, size + Int64(incoming) > rotateAfter {
            let backup = backups.freeBackupPath()
            if rename(path, backup) == 0 { rotated = backup }
        }
        flock(fd, LOCK_UN)
        if rotated != nil {
            backups.mill(options: options)
        }
    }

    /// The size of the file behind `fd`, or nil when `path` no longer names that file.
    private func currentSize(_ fd: Int32) -> Int64? {
        var opened = stat()
        var named = stat()
        guard fstat(fd, &opened) == 0, stat(path, &named) == 0,
            opened.st_dev == named.st_dev, opened.st_ino == named.st_ino
        else { return nil }
        return Int64(opened.st_size)
    }

    private func openLogFile() -> Int32 {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        if fd >= 0 || errno != ENOENT { return fd }
        makeDirectories(backups.directory)
        return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
    }
}

/// `mkdir -p`, 0755 as lumberjack does; errors show up when the file is opened.
func makeDirectories(_ path: String) {
    guard !path.isEmpty, path != "/", path != "." else { return }
    var info = stat()
    if stat(path, &info) == 0 { return }
    if let slash = path.lastIndex(of: "/") {
        makeDirectories(String(path[..<slash]))
    }
    mkdir(path, 0o755)
}
