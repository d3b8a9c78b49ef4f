#if canImport(Glibc)
import Glibc
#endif

/// This process's environment, read once, and its standard input. A CNI
/// call looks up a handful of names: they are found by a scan of the entries,
/// not through a dictionary built for every one of them.
package struct ProcessEnvironment: Sendable {
    /// `KEY=VALUE` as the process got them, in order (handed on to plugins).
    package let entries: [String]

    package init(entries: [String]) { self.entries = entries }

    /// Every variable, for the rare caller that needs them all.
    package var values: [String: String] {
        var values: [String: String] = [:]
        for entry in entries {
            guard let eq = entry.utf8.firstIndex(of: UInt8(ascii: "=")) else { continue }
            values[String(entry[..<eq])] = String(entry[entry.utf8.index(after: eq)...])
        }
        return values
    }

    package static func current() -> ProcessEnvironment {
        var entries: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            entries.append(String(cString: entry))
            pointer += 1
        }
        return ProcessEnvironment(entries: entries)
    }

    /// The last definition of `name`, as getenv(3) would see a duplicate.
    package subscript(name: String) -> String? {
        let key = Array(name.utf8) + [UInt8(ascii: "=")]
        for entry in entries.reversed() where entry.utf8.starts(with: key) {
            return String(entry.utf8.dropFirst(key.count))!
        }
        return nil
    }

    /// Standard input to its end; EFBIG past `limit` bytes.
    package static func readStandardInput(limit: Int) throws(SystemError) -> [UInt8] {
        try FileSystem.readAll(0, path: "standard input", limit: limit)
    }
}
