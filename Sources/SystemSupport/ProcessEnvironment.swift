#if canImport(Glibc)
import Glibc
#endif

/// This process's environment, read once, and its standard input.
package struct ProcessEnvironment: Sendable {
    /// `KEY=VALUE` as the process got them, in order (handed on to plugins).
    package let entries: [String]
    package let values: [String: String]

    package init(entries: [String]) {
        self.entries = entries
        var values: [String: String] = [:]
        for entry in entries {
            guard let eq = entry.firstIndex(of: "=") else { continue }
            values[String(entry[..<eq])] = String(entry[entry.index(after: eq)...])
        }
        self.values = values
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

    package subscript(name: String) -> String? { values[name] }

    /// Standard input to its end; EFBIG past `limit` bytes.
    package static func readStandardInput(limit: Int) throws(SystemError) -> [UInt8] {
        try FileSystem.readAll(0, path: "standard input", limit: limit)
    }
}
