import CNISpec
import KubeAPI
import Logging
import MultusCore
import MultusInstall
import MultusLogging
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// `multus-daemon` (and `multus-swift daemon`): Go Multus's thick-mode
/// daemon. Reads `-config` (daemon-config.json), waits for the readiness
/// indicator, writes the shim's config (`multusConfigFile: auto`) or copies
/// the operator's, keeps watch caches of this node's pods (MULTUS_NODE_NAME)
/// and of every NAD, serves `<socketDir>/multus.sock` and, with metricsPort,
/// /metrics. SIGTERM: no new connection is accepted, the requests in flight
/// get up to `shutdownGrace` to finish, then the process exits 0.
package enum MultusDaemon {
    package static let shutdownGrace: Duration = .seconds(10)
    package static let initialSyncWait: Duration = .seconds(20)

    package static func main(arguments: [String], environment: ProcessEnvironment, version: String) -> Int32 {
        let flags: DaemonFlags
        do { flags = try DaemonFlags.parse(arguments) } catch {
            guard case .message(let message) = error else { return 2 }
            StandardStreams.error(message + "\n" + DaemonFlags.usage)
            return 2
        }
        if flags.help {
            StandardStreams.error(DaemonFlags.usage)
            return 0
        }
        if flags.version {
            // Go's daemon exits 4 after printing its version.
            StandardStreams.output("multus-daemon: multus-swift \(version)\n")
            return 4
        }
        let config: DaemonConfig
        do { config = try DaemonConfig.load(Paths.resolve(flags.config, against: workingDirectory())) } catch {
            StandardStreams.error("multus-daemon: failed to load the CNI server configuration: \(error.description)\n")
            return 1
        }
        let logger = MultusLogging.makeLogger(settings: config.log, label: "multus-daemon")
        let fail = { (status: Int32, message: String) -> Int32 in
            logger.critical("\(message)")
            if !config.log.logToStderr { StandardStreams.error("multus-daemon: \(message)\n") }
            return status
        }
        logger.info("multus-daemon started (multus-swift \(version)), configuration \(config.path)")
        guard getuid() == 0 else { return fail(3, "failed to run multus-daemon with root: running as uid \(getuid())") }
        if config.perNodeCertificateEnabled {
            return fail(1, "perNodeCertificate is not supported by multus-swift's daemon; use the service account (or kubeconfig)")
        }
        for warning in config.unsupported { logger.warning("\(warning)") }
        InstallSignals.install()

        if let file = config.readinessIndicatorFile {
            logger.info("Readiness Indicator file check")
            do { try ReadinessIndicator(path: file).waitUntilReady() } catch {
                return fail(1, "have you checked that your default network is ready? still waiting for readinessindicatorfile @ \(file): \(error.msg)")
            }
        }

        let manager = ConfigManager(config: config, logger: logger)
        if config.isAutoConfig {
            do {
                if !(try manager.reconcile()) {
                    logger.info("no primary CNI config in \(config.multusAutoconfigDir) yet; writing the multus config once one appears")
                }
            } catch {
                return fail(2, "failed to write the multus configuration: \(error.msg)")
            }
        } else {
            do { try manager.copyUserConfig() } catch { logger.error("\(error.msg)") }
        }

        let metrics = DaemonMetrics()
        let cluster: @Sendable (String?) -> (any ClusterState)?
        var caches: WatchCaches?
        if let dir = config.manifestDir {
            cluster = { _ in ManifestDirectoryClusterState(directory: dir) }
        } else {
            let clients = KubeClients(kubeconfigPath: config.kubeconfig)
            do { _ = try clients.makeClient() } catch { return fail(1, "error getting k8s client: \(error)") }
            let watched = startCaches(clients: clients, metrics: metrics, logger: logger,
                                      nodeName: environment["MULTUS_NODE_NAME"].flatMap { $0.isEmpty ? nil : $0 })
            caches = watched
            cluster = { uid in DaemonClusterState(caches: watched, clients: clients, metrics: metrics, expectedPodUID: uid) }
        }

        let server = CNIServer(config: config, metrics: metrics, logger: logger, cluster: cluster)
        let watchedCaches = caches
        let socketPath = config.socketPath
        let listener: StreamSocket
        do { try FileSystem.makeDirectories(config.socketDir, mode: 0o700) } catch {
            return fail(3, "failed to prepare the cni-socket for communicating with the shim: \(error)")
        }
        do { listener = try StreamSocket.listen(unixPath: socketPath, mode: 0o600) } catch {
            return fail(3, "failed to start the CNI server using socket \(socketPath). Reason: \(error.message)")
        }
        let socketIdentity = FileIdentity(socketPath)
        let socketServer = SocketServer(listener: listener, name: "cni socket", limit: config.connectionLimit,
                                        maximumBody: CNIServer.maximumRequestBytes, logger: logger) { server.answer($0) }
        guard socketServer.start() else { return fail(3, "cannot start the CNI server's thread") }

        var metricsServer: SocketServer?
        if let port = config.metricsPort {
            do {
                let metricsListener = try StreamSocket.listen(tcpPort: port)
                metricsServer = SocketServer(listener: metricsListener, name: "metrics", logger: logger) { request in
                    MetricsEndpoint.answer(request, metrics: metrics, server: server, caches: watchedCaches)
                }
                _ = metricsServer?.start()
                logger.debug("metrics port: \(port)")
            } catch {
                return fail(3, "failed to serve metrics on port \(port): \(error.message)")
            }
        }
        logger.info("multus-daemon is serving \(socketPath)")

        // Follow the primary config and the readiness indicator until SIGTERM.
        var beat = 0
        while !InstallSignals.stop.sleep(.seconds(1)) {
            beat += 1
            if let caches { MetricsEndpoint.updateCacheSizes(metrics, caches) }
            guard config.isAutoConfig else { continue }
            if let file = config.readinessIndicatorFile, !FileSystem.exists(file) {
                logger.info("readiness indicator file \(file) is gone: removing the multus config, restart multus-daemon")
                for path in manager.generatedPaths { try? FileSystem.remove(path) }
                return 2
            }
            do { try manager.reconcile() } catch {
                if beat % 60 == 1 { logger.error("failed to regenerate the multus configuration: \(error.msg)") }
            }
        }

        logger.info("caught SIGTERM, stopping: no new requests; \(server.inFlight.current) in flight")
        server.beginShutdown()
        socketServer.stop()
        if socketIdentity != nil && FileIdentity(socketPath) == socketIdentity { unlink(socketPath) }
        let clock = SystemTime()
        let deadline = clock.now + shutdownGrace
        while server.inFlight.current > 0 && clock.now < deadline { clock.sleep(for: .milliseconds(10)) }
        if server.inFlight.current > 0 {
            logger.error("\(server.inFlight.current) requests still running after \(shutdownGrace.milliseconds / 1000) s; exiting anyway")
        }
        metricsServer?.stop()
        logger.info("multus daemon is exited")
        return 0
    }

    /// The two watch loops, and up to 20 s for their first LIST (as Go
    /// waits for its informers; requests fall back to live reads meanwhile).
    static func startCaches(clients: KubeClients, metrics: DaemonMetrics, logger: Logger, nodeName: String?) -> WatchCaches {
        let caches = WatchCaches(pods: ObjectCache(resource: "pods"), nads: ObjectCache(resource: "network-attachment-definitions"))
        if nodeName == nil {
            logger.error("MULTUS_NODE_NAME is not set: caching the pods of every node (set it from spec.nodeName, as Go's DaemonSet does)")
        } else {
            logger.info("Filtering pod watch for node \"\(nodeName!)\"")
        }
        let pods = Informer(cache: caches.pods, path: WatchCaches.podPath, fieldSelector: nodeName.map { "spec.nodeName=\($0)" },
                            trim: PlanningFields.pod, clients: clients, metrics: metrics, logger: logger)
        let nads = Informer(cache: caches.nads, path: WatchCaches.nadPath, fieldSelector: nil,
                            trim: PlanningFields.nad, clients: clients, metrics: metrics, logger: logger)
        Threads.detach { pods.run() }
        Threads.detach { nads.run() }
        let clock = SystemTime()
        let deadline = clock.now + initialSyncWait
        while !(caches.pods.isSynced && caches.nads.isSynced) && clock.now < deadline && !InstallSignals.stop.isStopped {
            clock.sleep(for: .milliseconds(10))
        }
        if !caches.pods.isSynced { logger.error("failed to sync pod informer cache") }
        if !caches.nads.isSynced { logger.error("failed to sync net-attach-def informer cache") }
        return caches
    }
}

func workingDirectory() -> String {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    guard getcwd(&buffer, buffer.count) != nil else { return "/" }
    return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

/// Which file a path names now (device and inode), to remove only our own socket.
struct FileIdentity: Equatable {
    var device: UInt64
    var inode: UInt64
    init?(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}

/// The metrics port: /metrics (Prometheus text format) and /healthz.
enum MetricsEndpoint {
    static func answer(_ request: HTTPWire.Request, metrics: DaemonMetrics, server: CNIServer, caches: WatchCaches?) -> CNIServer.Answer {
        guard request.method == "GET" || request.method == "HEAD" else { return .text(405, "Method not allowed") }
        switch request.path {
        case "/metrics":
            if let caches { updateCacheSizes(metrics, caches) }
            metrics.setInFlight(server.inFlight.current)
            return CNIServer.Answer(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics.exposition())
        case "/healthz":
            let synced = caches.map { $0.pods.isSynced && $0.nads.isSynced } ?? true
            if server.isShuttingDown { return .text(503, "shutting down") }
            return .text(200, synced ? "ok" : "ok (caches not synced yet: requests read the API server)")
        default:
            return .text(404, "404 page not found")
        }
    }

    static func updateCacheSizes(_ metrics: DaemonMetrics, _ caches: WatchCaches) {
        metrics.setCacheSize(resource: "pods", objects: caches.pods.count)
        metrics.setCacheSize(resource: "network-attachment-definitions", objects: caches.nads.count)
    }
}
