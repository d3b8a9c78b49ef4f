#if canImport(Glibc)
import Glibc
#endif

/// A failed system call on a path: what was attempted, on what, and errno.
/// Callers map it to their own error (CNI code 5, a Kubernetes configuration
/// error, …); the text already names the path and the reason.
package struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    package var operation: String
    package var path: String
    package var code: Int32

    package init(_ operation: String, _ path: String, code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    package var isNotFound: Bool { code == ENOENT || code == ENOTDIR }
    /// The path crosses a symbolic link where none is allowed.
    package var isSymbolicLink: Bool { code == ELOOP }

    package var reason: String { Errno.text(code) }
    package var description: String { "cannot \(operation) \(path): \(reason)" }
}

package enum Errno {
    /// strerror(3)'s text for `code`.
    package static func text(_ code: Int32 = errno) -> String {
        strerror(code).map { String(cString: $0) } ?? "errno \(code)"
    }
}
