/// Path text, without touching the file system.
package enum Paths {
    package static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// The folder of a path ("." for a bare name, "/" for a name at the root).
    package static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The last component of a path.
    package static func baseName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// `path` resolved against `base` unless it is absolute (as clientcmd does).
    package static func resolve(_ path: String, against base: String) -> String {
        if path.isEmpty || path.hasPrefix("/") { return path }
        return join(base, path)
    }

    /// `.` and `..` and repeated slashes removed without following links, so a
    /// prefix check on the result means what it says: `/a/cni/../../x` is `/x`.
    package static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        return path.hasPrefix("/") ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    /// Whether `path`, normalized, lies strictly inside `directory`.
    package static func isInside(_ path: String, _ directory: String) -> Bool {
        let dir = normalized(directory)
        let candidate = normalized(path)
        return candidate.hasPrefix(dir == "/" ? "/" : dir + "/") && candidate != dir
    }
}
