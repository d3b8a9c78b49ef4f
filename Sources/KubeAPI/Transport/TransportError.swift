/// A failure below HTTP, with the message the user sees and whether another
/// try may succeed. Messages name the server, never a secret.
struct TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        /// Nothing listens (yet): the API server may be restarting.
        case refused
        /// The connection broke or the server closed it before answering everything.
        case broken
        /// No route: the network may come back.
        case unreachable
        /// A step did not finish before its deadline.
        case timeout
        /// The host name has no address.
        case resolution
        /// TLS failed: a certificate or protocol problem; another try would fail the same way.
        case tls
        /// The answer is malformed or too large.
        case protocolViolation
        case other
    }

    var kind: Kind
    var message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    var isRetryable: Bool { [.refused, .broken, .unreachable].contains(kind) }
    var description: String { message }
}
