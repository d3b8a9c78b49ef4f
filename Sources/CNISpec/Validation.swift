/// The identifier rules of the spec and libcni (`utils.ValidateContainerID`, …).
package enum Validation {
    /// Container IDs and network names: `^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$`.
    package static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.utf8.first, isAlnum(first) else { return false }
        return s.utf8.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    private static func isAlnum(_ b: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
    }

    /// Longer IDs could not name the cache files derived from them (NAME_MAX is
    /// 255 bytes; runtimes use 64 hex digits).
    package static let maximumContainerIDLength = 128

    package static func containerID(_ id: String) throws(CNIError) {
        guard id.utf8.count <= maximumContainerIDLength else {
            throw .invalidEnv("CNI_CONTAINERID is \(id.utf8.count) bytes long, more than \(maximumContainerIDLength)")
        }
        guard isIdentifier(id) else { throw .invalidEnv("invalid characters in CNI_CONTAINERID \"\(id)\"") }
    }

    /// Whether ADD would accept `id` (a DEL of any other ID has nothing to undo).
    package static func isContainerID(_ id: String) -> Bool { (try? containerID(id)) != nil }

    /// Network names end up in file names (the results cache), so the rule protects the node too.
    package static func networkName(_ name: String) throws(CNIError) {
        guard !name.isEmpty else { throw .invalidConfig("missing network name") }
        guard isIdentifier(name) else { throw .invalidConfig("invalid characters in network name \"\(name)\"") }
    }

    /// Linux interface names: 1–15 bytes, not "." or "..", no '/', ':' or white space.
    package static func interfaceName(_ name: String, field: String = "CNI_IFNAME") throws(CNIError) {
        let problem: String? =
            if name.isEmpty { "is empty" }
            else if name.utf8.count > 15 { "is longer than 15 characters" }
            else if name == "." || name == ".." { "is not a valid name" }
            else if name.unicodeScalars.contains(where: { $0 == "/" || $0 == ":" || $0.properties.isWhitespace }) {
                "contains '/', ':' or white space"
            } else { nil }
        if let problem { throw .invalidEnv("interface name \"\(name)\" in \(field) \(problem)") }
    }
}
