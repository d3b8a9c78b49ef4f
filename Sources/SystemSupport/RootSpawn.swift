import CSystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// Starting a program chrooted into a folder (a daemon in a container running
/// a host binary in the host's filesystem, as Go Multus's chrootDir).
package enum RootSpawn {
    /// The child's pid; `path` is resolved inside `root`. The child gets its own
    /// process group and only the three given descriptors.
    package static func spawn(root: String, path: String, arguments: [String], environment: [String],
                              stdin: Int32, stdout: Int32, stderr: Int32) throws(SystemError) -> pid_t {
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        let pid = argv.withUnsafeBufferPointer { a in
            envp.withUnsafeBufferPointer { e in
                csystem_spawn_in_root(root, path, a.baseAddress, e.baseAddress, stdin, stdout, stderr)
            }
        }
        guard pid > 0 else { throw SystemError("execute (chrooted into \(root))", path) }
        return pid
    }
}
