import Logging
import SystemSupport
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Accepts connections on a listening socket, one thread per connection,
/// one request per connection, until `stop()`. With a connection limit (Go's
/// `connectionLimit`), accepting waits while that many are open.
final class SocketServer: Sendable {
    let listener: StreamSocket
    let name: String
    let limit: Int?
    let logger: Logger
    let handle: @Sendable (HTTPWire.Request) -> CNIServer.Answer
    let maximumBody: Int
    private let stopped = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)
    private let open = Atomic<Int>(0)

    init(listener: StreamSocket, name: String, limit: Int? = nil, maximumBody: Int = 1 << 20, logger: Logger,
         handle: @escaping @Sendable (HTTPWire.Request) -> CNIServer.Answer) {
        self.listener = listener
        self.name = name
        self.limit = limit
        self.maximumBody = maximumBody
        self.logger = logger
        self.handle = handle
    }

    func start() -> Bool {
        Threads.detach { [self] in
            let clock = SystemTime()
            while !stopped.load(ordering: .sequentiallyConsistent) {
                if let limit, open.load(ordering: .sequentiallyConsistent) >= limit {
                    clock.sleep(for: .milliseconds(5))
                    continue
                }
                guard let connection = listener.accept(waiting: .milliseconds(100)) else { continue }
                open.add(1, ordering: .sequentiallyConsistent)
                if !Threads.detach({ [self] in serve(connection) }) {
                    connection.close()
                    open.subtract(1, ordering: .sequentiallyConsistent)
                }
            }
            listener.close()
            finished.store(true, ordering: .sequentiallyConsistent)
        }
    }

    private func serve(_ connection: StreamSocket) {
        defer {
            connection.close()
            open.subtract(1, ordering: .sequentiallyConsistent)
        }
        let clock = SystemTime()
        let request: HTTPWire.Request
        do { request = try HTTPWire.readRequest(connection, until: clock.now + .seconds(30), maximumBody: maximumBody) } catch {
            logger.debug("\(name): dropped a connection: \(error)")
            return
        }
        let answer = handle(request)
        do {
            try connection.send(HTTPWire.response(status: answer.status, contentType: answer.contentType, body: answer.body),
                                until: clock.now + .seconds(10))
        } catch {
            logger.info("\(name): the answer to \(request.method) \(request.path) was not delivered: \(error)")
        }
    }

    /// No new connection is accepted after this returns (within 100 ms the
    /// listening socket is closed); open ones are served to the end.
    func stop() {
        stopped.store(true, ordering: .sequentiallyConsistent)
        let clock = SystemTime()
        let deadline = clock.now + .seconds(1)
        while !finished.load(ordering: .sequentiallyConsistent) && clock.now < deadline {
            clock.sleep(for: .milliseconds(5))
        }
    }

    var openConnections: Int { open.load(ordering: .sequentiallyConsistent) }
}
