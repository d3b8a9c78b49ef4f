import CNISpec
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// One execution of a plugin binary.
package struct PluginInvocation: Sendable {
    package var path: String
    /// `KEY=VALUE` strings, the complete environment of the child.
    package var environment: [String]
    package var stdin: [UInt8]
    package var timeout: Duration

    package init(path: String, environment: [String], stdin: [UInt8], timeout: Duration) {
        self.path = path
        self.environment = environment
        self.stdin = stdin
        self.timeout = timeout
    }
}

package struct PluginOutput: Sendable, Equatable {
    /// The exit status, or 128+signal when the plugin was killed.
    package var status: Int32
    package var stdout: [UInt8]
    package var stderr: [UInt8]

    package init(status: Int32, stdout: [UInt8], stderr: [UInt8]) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// The seam between planning and processes: tests may record invocations
/// instead of running them.
package protocol PluginExecuting: Sendable {
    func run(_ invocation: PluginInvocation) throws(CNIError) -> PluginOutput
}
