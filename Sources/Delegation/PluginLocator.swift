import CNISpec
import SystemSupport

/// Finds a plugin binary by its `type`, in the given folders in order
/// (Multus searches its binDir before CNI_PATH).
package struct PluginLocator: Sendable {
    package var directories: [String]

    package init(directories: [String]) {
        var seen = Set<String>()
        self.directories = directories.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    package func locate(type: String) throws(CNIError) -> String {
        // A type is a file name, never a path: "../../bin/sh" must not run.
        guard !type.isEmpty, !type.contains("/"), type != ".", type != ".." else {
            throw .invalidConfig("invalid plugin type \"\(type)\": a type is a binary name without '/'")
        }
        for dir in directories {
            let candidate = Paths.join(dir, type)
            if FileSystem.isExecutableFile(candidate) { return candidate }
        }
        throw .invalidConfig("failed to find plugin \"\(type)\" in path [\(directories.joined(separator: " "))]")
    }
}
