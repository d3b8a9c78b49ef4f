import CNISpec
import DRAClaimReader
import KubeAPI
import SystemSupport

// Every error of another module becomes a CNI error here, and only here: the
// code says what the runtime may do about it, the message what happened.

extension KubeError {
    /// An unreachable API server is worth a retry (code 11); the rest are not.
    func cniError(context: String) -> CNIError {
        switch self {
        case .transport: CNIError(code: CNIError.tryAgainLater, msg: "\(context): \(self)")
        case .configuration: .invalidConfig("\(context): \(self)")
        case .decoding: .decoding("\(context): \(self)")
        case .status: CNIError(code: CNIError.multusInternal, msg: "\(context): \(self)")
        }
    }
}

extension DeviceReaderError {
    func cniError(context: String) -> CNIError {
        switch self {
        case .api(let what, let error): error.cniError(context: "\(context): \(what)")
        default: CNIError(code: CNIError.multusInternal, msg: "\(context): \(self)")
        }
    }
}

extension NetworkNamespace.Failure {
    /// A missing or wrong CNI_NETNS is the runtime's mistake (code 4); failing to
    /// enter a real one is an I/O error.
    var cniError: CNIError {
        switch self {
        case .notFound, .notANetworkNamespace: .invalidEnv("CNI_NETNS: \(self)")
        default: .io("\(self)")
        }
    }
}
