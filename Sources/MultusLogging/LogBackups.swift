import CZlib
import Glibc
import SystemSupport

/// The rotated copies of a log file, named as lumberjack names them:
/// `/var/log/multus.log` → `/var/log/multus-2026-11-23T08-52-45.123.log[.gz]`
/// (the time of the rotation, UTC, milliseconds).
struct LogBackups: Sendable {
    /// The folder of the log file ("." for a bare name).
    let directory: String
    /// The file name without its extension, plus "-".
    let prefix: String
    /// The extension with its dot, as Go's `filepath.Ext`; may be empty.
    let ext: String

    init(logFile: String) {
        let name: Substring
        if let slash = logFile.lastIndex(of: "/") {
            let dir = logFile[..<slash]
            directory = dir.isEmpty ? "/" : String(dir)
            name = logFile[logFile.index(after: slash)...]
        } else {
            directory = "."
            name = logFile[...]
        }
        if let dot = name.lastIndex(of: ".") {
            prefix = String(name[..<dot]) + "-"
            ext = String(name[dot...])
        } else {
            prefix = String(name) + "-"
            ext = ""
        }
    }

    struct Backup: Equatable {
        /// The full path of the file as it is now.
        var path: String
        /// The path without ".gz": a file and its compressed copy are one backup.
        var uncompressedPath: String
        var compressed: Bool
        /// Rotation time, milliseconds since the epoch.
        var stamp: Int64
    }

    func path(stamp milliseconds: Int64) -> String {
        let time = WallClock(seconds: Int(milliseconds / 1000), nanoseconds: Int(milliseconds % 1000) * 1_000_000)
        return join(prefix + time.backupStamp + ext)
    }

    /// A backup name for now that no file has yet, later than every backup there
    /// (a later millisecond if needed): a rename never replaces a backup, and the
    /// newest content always has the newest name, even after sub-millisecond rotations.
    func freeBackupPath(now: WallClock = .now()) -> String {
        var milliseconds = now.unixMilliseconds
        if let newest = list().first?.stamp, newest >= milliseconds { milliseconds = newest + 1 }
        while true {
            let candidate = path(stamp: milliseconds)
            if !exists(candidate) && !exists(candidate + ".gz") { return candidate }
            milliseconds += 1
        }
    }

    /// The backups in the folder, newest first.
    func list() -> [Backup] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var found: [Backup] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            let compressed = name.hasSuffix(".gz")
            let plain = compressed ? String(name.dropLast(3)) : name
            guard plain.hasPrefix(prefix), plain.hasSuffix(ext),
                plain.count >= prefix.count + ext.count,
                let stamp = WallClock(backupStamp: plain.dropFirst(prefix.count).dropLast(ext.count))?.unixMilliseconds
            else { continue }
            found.append(Backup(path: join(name), uncompressedPath: join(plain), compressed: compressed, stamp: stamp))
        }
        return found.sorted { $0.stamp != $1.stamp ? $0.stamp > $1.stamp : $0.path > $1.path }
    }

    /// lumberjack's clean-up after a rotation: drop backups beyond `maxBackups`
    /// (oldest first) and older than `maxAge` days, then gzip the rest when asked.
    /// Safe to run in several processes at once: a file another one removed or
    /// compressed first is skipped, and a `.gz` appears only complete (renamed
    /// into place).
    func mill(options: LogOptions, now: WallClock = .now()) {
        var keep = list()
        var remove: [Backup] = []
        if options.maxBackups > 0 {
            var kept: Set<String> = []
            var survivors: [Backup] = []
            for backup in keep {
                if kept.contains(backup.uncompressedPath) || kept.count < options.maxBackups {
                    kept.insert(backup.uncompressedPath)
                    survivors.append(backup)
                } else {
                    remove.append(backup)
                }
            }
            keep = survivors
        }
        if options.maxAge > 0 {
            let cutoff = now.unixMilliseconds - Int64(options.maxAge) * 86_400_000
            remove += keep.filter { $0.stamp < cutoff }
            keep.removeAll { $0.stamp < cutoff }
        }
        for backup in remove { unlink(backup.path) }
        if options.compress {
            for backup in keep where !backup.compressed {
                gzip(backup.path, to: backup.path + ".gz")
            }
        }
    }

    private func join(_ name: String) -> String {
        directory == "/" ? "/" + name : directory + "/" + name
    }
}

private func exists(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0
}

/// Compresses `source` into `destination` (through a temporary name, then
/// renamed) and removes `source`. Returns false and leaves `source` as it was
/// on any failure.
@discardableResult
func gzip(_ source: String, to destination: String) -> Bool {
    let input = open(source, O_RDONLY | O_CLOEXEC)
    guard input >= 0 else { return false }
    defer { close(input) }
    let temporary = destination + ".tmp" + String(getpid())
    let output = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard output >= 0 else { return false }
    // Level 1: rotation runs inside a CNI call, so speed matters more than the last few percent.
    guard let file = gzdopen(output, "wb1") else {
        close(output)
        unlink(temporary)
        return false
    }
    var ok = true
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while ok {
        let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 {
            ok = n == 0
            break
        }
        let written = buffer.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32(n)) }
        ok = written == Int32(n)
    }
    ok = gzclose(file) == Z_OK && ok
    guard ok, rename(temporary, destination) == 0 else {
        unlink(temporary)
        return false
    }
    unlink(source)
    return true
}
