import Prometheus

/// The daemon's metrics, in Prometheus's text format on `metricsPort`:
/// Go's `multus_server_request_total` (by handler, code and method), and ours:
/// CNI requests by command and result with latency histograms, the daemon's
/// own API requests, cache lookups, sizes and re-lists.
final class DaemonMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    static let latencyBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        .seconds(30), .seconds(60),
    ]

    private func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: metric, unitName: unit, helpText: help)
    }

    /// One answer on the unix socket (Go's metric).
    func served(handler: String, code: Int, method: String) {
        registry.makeCounter(descriptor: name("multus_server_request", "total", "Counter of HTTP requests"),
                             labels: [("handler", handler), ("code", String(code)), ("method", method.lowercased())])
            .increment()
    }

    /// One CNI request finished: `result` is success, error or timeout.
    func cniRequest(command: String, result: String, duration: Duration) {
        registry.makeCounter(descriptor: name("multus_cni_requests", "total", "CNI requests by command and result"),
                             labels: [("command", command), ("result", result)]).increment()
        registry.makeDurationHistogram(
            descriptor: name("multus_cni_request_duration", "seconds", "Time from a CNI request's arrival to its answer"),
            labels: [("command", command)], buckets: Self.latencyBuckets
        ).record(duration)
    }

    func apiRequest(verb: String, resource: String) {
        registry.makeCounter(descriptor: name("multus_api_requests", "total", "Requests the daemon sent to the Kubernetes API server"),
                             labels: [("verb", verb), ("resource", resource)]).increment()
    }

    func apiError(resource: String) {
        registry.makeCounter(descriptor: name("multus_watch_errors", "total", "Failed LIST or WATCH rounds of the caches"),
                             labels: [("resource", resource)]).increment()
    }

    func relist(resource: String) {
        registry.makeCounter(descriptor: name("multus_cache_relists", "total", "Re-lists after 410 Gone"),
                             labels: [("resource", resource)]).increment()
    }

    func cacheHit(resource: String) { lookup(resource, "hit") }
    func cacheMiss(resource: String) { lookup(resource, "miss") }

    private func lookup(_ resource: String, _ result: String) {
        registry.makeCounter(descriptor: name("multus_cache_lookups", "total", "Pod and NAD lookups of CNI requests in the caches"),
                             labels: [("resource", resource), ("result", result)]).increment()
    }

    func setCacheSize(resource: String, objects: Int) {
        registry.makeGauge(descriptor: name("multus_cache_objects", "", "Objects held in the daemon's watch caches"),
                           labels: [("resource", resource)]).set(Double(objects))
    }

    func setInFlight(_ count: Int) {
        registry.makeGauge(descriptor: name("multus_cni_requests_in_flight", "", "CNI requests being handled"))
            .set(Double(count))
    }

    func exposition() -> [UInt8] { registry.emitToBuffer() }
}
