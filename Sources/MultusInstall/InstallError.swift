import SystemSupport

/// Why an install step failed, in words for the pod log.
package enum InstallError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidOption(String)
    /// A file could not be read, written, renamed or removed.
    case io(String)
    /// The primary CNI config cannot be wrapped (no cniVersion, bad JSON, …).
    case primaryConfig(String)
    /// The service account token or CA is missing or unreadable.
    case serviceAccount(String)

    package var description: String {
        switch self {
        case .invalidOption(let m), .io(let m), .primaryConfig(let m), .serviceAccount(let m): m
        }
    }

    static func from(_ error: SystemError) -> InstallError { .io(error.description) }
}
