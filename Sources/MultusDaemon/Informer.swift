import CNISpec
import KubeAPI
import Logging
import MultusInstall
import SystemSupport

/// Keeps one `ObjectCache` current as client-go's reflector does: LIST (the
/// resourceVersion it answers is where the WATCH starts), WATCH from there,
/// WATCH again from the last version seen when the server ends the stream,
/// LIST again on 410 Gone, and a bounded, doubling backoff on errors.
struct Informer: Sendable {
    let cache: ObjectCache
    let path: String
    let fieldSelector: String?
    let trim: @Sendable (JSONValue) -> JSONValue
    let clients: KubeClients
    let metrics: DaemonMetrics
    let logger: Logger
    /// Ends the loop (seen between rounds and at the next event; the daemon
    /// itself just exits).
    var stop = StopFlag()
    var initialBackoff: Duration = .milliseconds(200)
    var maximumBackoff: Duration = .seconds(30)

    /// Runs until `stop` (on its own thread).
    func run() {
        let clock = SystemTime()
        var backoff = initialBackoff
        var version: String?
        var client: KubeClient?
        var clientMade = Duration.zero
        func failed(_ what: String, _ error: KubeError) {
            metrics.apiError(resource: cache.resource)
            guard !stop.isStopped else { return }
            logger.error("\(cache.resource) \(what) failed: \(error); again in \(backoff.milliseconds) ms")
            stop.sleep(backoff)
            backoff = min(backoff * 2, maximumBackoff)
        }
        defer { client?.shutdown() }
        while !stop.isStopped {
            if client == nil || clock.now - clientMade > clients.maximumAge {
                client?.shutdown()
                do { client = try clients.makeClient() } catch {
                    client = nil
                    failed("client", error)
                    continue
                }
                clientMade = clock.now
            }
            guard let kube = client else { continue }
            if version == nil {
                do {
                    metrics.apiRequest(verb: "LIST", resource: cache.resource)
                    let list = try kube.listWithVersion(path, fieldSelector: fieldSelector)
                    cache.replace(list.items.map(trim), resourceVersion: list.resourceVersion)
                    version = list.resourceVersion
                    logger.info("\(cache.resource): listed \(list.items.count) at resourceVersion \(list.resourceVersion)")
                    backoff = initialBackoff
                } catch {
                    failed("LIST", error)
                    continue
                }
            }
            let started = clock.now
            do {
                metrics.apiRequest(verb: "WATCH", resource: cache.resource)
                // The server ends each stream after a while (as client-go asks, 5 to 10 minutes).
                try kube.watch(path, resourceVersion: version, fieldSelector: fieldSelector,
                               timeoutSeconds: Int.random(in: 300...600), idleTimeout: .seconds(120)) { event in
                    switch event.type {
                    case "ADDED", "MODIFIED": cache.upsert(trim(event.object), resourceVersion: event.resourceVersion)
                    case "DELETED": cache.remove(event.object, resourceVersion: event.resourceVersion)
                    default: break  // BOOKMARK: only the version moves
                    }
                    if let next = event.resourceVersion { version = next }
                    backoff = initialBackoff
                    return !stop.isStopped
                }
                // A stream that ends at once, again and again, must not spin.
                if clock.now - started < .seconds(1) {
                    stop.sleep(backoff)
                    backoff = min(backoff * 2, maximumBackoff)
                }
            } catch where error.isGone {
                metrics.relist(resource: cache.resource)
                logger.info("\(cache.resource): resourceVersion \(version ?? "") is too old (410 Gone); listing again")
                version = nil
            } catch {
                client?.shutdown()
                client = nil
                failed("WATCH", error)
            }
        }
    }
}
