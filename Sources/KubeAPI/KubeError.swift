/// Why a Kubernetes read or write failed. `status` carries the API server's
/// `Status` body (reason, message, code).
package enum KubeError: Error, Sendable, Equatable, CustomStringConvertible {
    case configuration(String)
    case transport(String)
    case status(code: Int, reason: String, message: String)
    case decoding(String)

    package var isNotFound: Bool { if case .status(404, _, _) = self { true } else { false } }
    package var isConflict: Bool { if case .status(409, _, _) = self { true } else { false } }
    package var isForbidden: Bool { if case .status(403, _, _) = self { true } else { false } }

    package var description: String {
        switch self {
        case .configuration(let m): "kubernetes client configuration: \(m)"
        case .transport(let m): "kubernetes API unreachable: \(m)"
        case .status(let code, let reason, let message): "kubernetes API error \(code) \(reason): \(message)"
        case .decoding(let m): "kubernetes API response not understood: \(m)"
        }
    }
}
