import CNISpec
import Delegation
import KubeAPI
import Logging
import MultusCore
import MultusLogging
import SystemSupport
import Synchronization

/// What the daemon answers on its unix socket, as Go's pkg/server: POST /cni
/// with `{"env": {...}, "config": <base64>}` runs the request as the thin
/// plugin would (the same CNIEntryPoint), with the daemon's configuration
/// laid over the request's, the watch caches as the cluster and the plugins
/// chrooted into chrootDir. 200 with `{"Result": …}` (ADD; the result in
/// 1.0.0, or in the configuration's version when newer) or an empty body;
/// 400 with a CNI error object. /healthz answers 200; /readyz 200, or 500
/// once SIGTERM came.
final class CNIServer: Sendable {
    let config: DaemonConfig
    let executor: ProcessPluginExecutor
    let metrics: DaemonMetrics
    let logger: Logger
    /// The cluster for one request, told the pod UID the runtime passed.
    let cluster: @Sendable (_ expectedPodUID: String?) -> (any ClusterState)?
    let locks = ContainerLocks()
    let inFlight = InFlight()
    let loggers = LoggerCache()
    private let shuttingDown = Atomic<Bool>(false)

    static let maximumRequestBytes = 32 << 20

    init(config: DaemonConfig, metrics: DaemonMetrics, logger: Logger,
         cluster: @escaping @Sendable (_ expectedPodUID: String?) -> (any ClusterState)?) {
        self.config = config
        self.metrics = metrics
        self.logger = logger
        self.cluster = cluster
        executor = ProcessPluginExecutor(rootDirectory: config.chrootDir)
    }

    var isShuttingDown: Bool { shuttingDown.load(ordering: .sequentiallyConsistent) }
    func beginShutdown() { shuttingDown.store(true, ordering: .sequentiallyConsistent) }

    struct Answer: Sendable {
        var status: Int
        var contentType: String?
        var body: [UInt8]
        static func text(_ status: Int, _ text: String) -> Answer {
            Answer(status: status, contentType: "text/plain; charset=utf-8", body: Array((text + "\n").utf8))
        }
    }

    func answer(_ request: HTTPWire.Request) -> Answer {
        let handler: String
        let answer: Answer
        switch request.path {
        case "/cni":
            handler = "/cni"
            answer = request.method == "POST" ? cni(request.body) : .text(405, "Method not allowed")
        case "/delegate":
            handler = "/delegate"
            answer = request.method == "POST"
                ? errorAnswer(CNIError(code: CNIError.multusInternal,
                                       msg: "the /delegate API (hot-plugging one network into a running pod) is not implemented by multus-swift's daemon"))
                : .text(405, "Method not allowed")
        case "/healthz", "/readyz":
            handler = request.path
            if request.method != "GET" && request.method != "POST" {
                answer = .text(405, "Method not allowed")
            } else {
                let ready = request.path == "/healthz" || !isShuttingDown
                answer = Answer(status: ready ? 200 : 500, contentType: "application/json", body: [])
            }
        default:
            handler = "NotFound"
            logger.error("http not found: \(request.method) \(request.path)")
            answer = Answer(status: 404, contentType: nil, body: [])
        }
        metrics.served(handler: handler, code: answer.status, method: request.method)
        return answer
    }

    // MARK: /cni

    private func cni(_ body: [UInt8]) -> Answer {
        let clock = SystemTime()
        let started = clock.now
        let request: JSONValue
        do { request = try JSONValue(parsing: body) } catch {
            return .text(400, "could not decode the CNI request: \(error)")
        }
        var entries: [String] = []
        var env: [String: String] = [:]
        for member in request["env"]?.objectValue ?? JSONObject() {
            guard let value = member.value.stringValue else { continue }
            env[member.key] = value
            entries.append("\(member.key)=\(value)")
        }
        guard let command = env["CNI_COMMAND"] else {
            return .text(400, "could not extract the CNI command args: unexpected or missing CNI_COMMAND")
        }
        var stdin: [UInt8] = []
        if let text = request["config"]?.stringValue {
            guard let decoded = Base64.decode(text) else { return .text(400, "could not decode the CNI request: config is not base64") }
            stdin = decoded
        }
        let configuration: [UInt8]
        do throws(CNIError) {
            let parsed: JSONValue
            do { parsed = try JSONValue(parsing: stdin) } catch {
                throw CNIError.decoding("error parsing multus configuration: \(error)")
            }
            configuration = try config.overriding(parsed).serializedBytes
        } catch {
            metrics.cniRequest(command: command, result: "error", duration: clock.now - started)
            return errorAnswer(error)
        }

        let containerID = env["CNI_CONTAINERID"] ?? ""
        let podUID = Self.argument("K8S_POD_UID", in: env["CNI_ARGS"] ?? "")
        let entriesSent = entries
        let describe = "ContainerID:\"\(containerID)\" Netns:\"\(env["CNI_NETNS"] ?? "")\" IfName:\"\(env["CNI_IFNAME"] ?? "")\" Args:\"\(env["CNI_ARGS"] ?? "")\""
        logger.info("\(command) starting CNI request \(describe)")
        let deadline = started + config.requestTimeout
        let handoff = Handoff<CNIEntryPoint.Outcome>()
        metrics.setInFlight(inFlight.enter())
        let services = CNIEntryPoint.Services(
            executor: executor, cluster: { [cluster] _ in cluster(podUID) },
            logger: { [loggers] in loggers.logger(for: $0.log) })
        let started2 = Threads.detach { [self] in
            defer { metrics.setInFlight(inFlight.leave()) }
            let locked = containerID.isEmpty || locks.acquire(containerID, until: deadline)
            guard locked else {
                handoff.put(Self.outcome(CNIError(code: CNIError.tryAgainLater,
                    msg: "another operation on container \(containerID) is still running after \(config.requestTimeout.milliseconds / 1000) s")))
                return
            }
            let outcome = CNIEntryPoint.run(environment: ProcessEnvironment(entries: entriesSent), services: services,
                                            stdin: { configuration })
            // Released before the answer goes: the runtime's next call for this
            // container (a DEL after the ADD) must not find it still held.
            if !containerID.isEmpty { locks.release(containerID) }
            handoff.put(outcome)
        }
        if !started2 {
            metrics.setInFlight(inFlight.leave())
            return errorAnswer(CNIError(code: CNIError.tryAgainLater, msg: "multus-daemon cannot start a thread for the request"))
        }
        let outcome = handoff.take(within: deadline - clock.now)
        let elapsed = clock.now - started
        guard let outcome else {
            metrics.cniRequest(command: command, result: "timeout", duration: elapsed)
            let error = CNIError(code: CNIError.tryAgainLater,
                msg: "multus-daemon: \(command) of container \(containerID) did not finish within \(config.requestTimeout.milliseconds / 1000) s (requestTimeoutSeconds); "
                    + "it goes on in the daemon, and the container runtime's DEL undoes it")
            logger.error("\(command) ERRORED: \(describe): \(error.msg)")
            return errorAnswer(error)
        }
        if outcome.exitStatus != 0 {
            metrics.cniRequest(command: command, result: "error", duration: elapsed)
            let json = try? JSONValue(parsing: Array(outcome.stdout.utf8))
            let error = json.flatMap(CNIError.init(json:)) ?? CNIError(code: CNIError.multusInternal, msg: outcome.stdout)
            logger.error("\(command) ERRORED: \(describe): \(error.description)")
            return errorAnswer(error)
        }
        metrics.cniRequest(command: command, result: "success", duration: elapsed)
        logger.info("\(command) finished CNI request \(describe) in \(elapsed.milliseconds) ms")
        guard command == "ADD", !outcome.stdout.isEmpty, let result = try? JSONValue(parsing: Array(outcome.stdout.utf8)) else {
            return Answer(status: 200, contentType: "application/json", body: [])
        }
        return Answer(status: 200, contentType: "application/json",
                      body: (["Result": Self.wireResult(result)] as JSONValue).serializedBytes)
    }

    /// Go's daemon sends results as 1.0.0 (its shim converts them to the
    /// configuration's version); a 1.1.0 result stays 1.1.0, nothing is lost.
    static func wireResult(_ result: JSONValue) -> JSONValue {
        let version = result["cniVersion"]?.stringValue.flatMap(CNIVersion.init) ?? .v1_0_0
        guard version < .v1_0_0 else { return result }
        return (try? CNIResult.convert(result, from: version, to: .v1_0_0)) ?? result
    }

    func errorAnswer(_ error: CNIError) -> Answer {
        var object = JSONObject([("code", .int(error.code)), ("msg", .string(error.msg))])
        if !error.details.isEmpty { object["details"] = .string(error.details) }
        return Answer(status: 400, contentType: "application/json", body: JSONValue.object(object).serializedBytes)
    }

    static func outcome(_ error: CNIError) -> CNIEntryPoint.Outcome {
        CNIEntryPoint.Outcome(stdout: error.json(cniVersion: CNIVersion.latest.description).serialized, exitStatus: 1)
    }

    static func argument(_ name: String, in args: String) -> String? {
        for pair in args.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].trimmingHTTPSpace == name {
                let value = String(parts[1]).trimmingHTTPSpace
                return value.isEmpty ? nil : value
            }
        }
        return nil
    }
}

/// One logger per distinct log settings, shared by the requests that use them.
final class LoggerCache: Sendable {
    private let loggers = Mutex<[(settings: LogSettings, logger: Logger)]>([])
    func logger(for settings: LogSettings) -> Logger {
        loggers.withLock { cache in
            if let found = cache.first(where: { $0.settings == settings }) { return found.logger }
            let logger = MultusLogging.makeLogger(settings: settings, label: "multus-daemon")
            if cache.count < 16 { cache.append((settings, logger)) }
            return logger
        }
    }
}
