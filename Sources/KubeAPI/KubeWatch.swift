import CNISpec
import SystemSupport

/// One event of a WATCH stream: `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK`
/// (its object carries only `metadata.resourceVersion`).
package struct WatchEvent: Sendable, Equatable {
    package var type: String
    package var object: JSONValue

    package init(type: String, object: JSONValue) {
        self.type = type
        self.object = object
    }

    package var resourceVersion: String? { object["metadata"]?["resourceVersion"]?.stringValue }
}

extension KubeError {
    /// 410 Gone: the resourceVersion a WATCH asked for is too old (compacted);
    /// LIST again and watch from the new version.
    package var isGone: Bool { if case .status(410, _, _) = self { true } else { false } }
}

extension KubeClient {
    /// Watches a collection from `resourceVersion` on a connection of its own
    /// (the batch connection stays free), handing each event to `handle` in
    /// order until the server ends the stream (`timeoutSeconds`) or `handle`
    /// answers false. Fails when no byte arrives for `idleTimeout` (bookmarks
    /// keep a healthy stream busy), and with `.status(410, …)` (`isGone`) when the
    /// version is too old, whether the server says so in the status line or in
    /// an ERROR event. Not retried: the caller's informer loop decides.
    package func watch(
        _ path: String, resourceVersion: String?, fieldSelector: String? = nil, labelSelector: String? = nil,
        timeoutSeconds: Int? = nil, idleTimeout: Duration = .seconds(90),
        _ handle: (WatchEvent) -> Bool
    ) throws(KubeError) {
        var extra = ["watch=1", "allowWatchBookmarks=true"]
        if let resourceVersion { extra.append("resourceVersion=" + URLEncoding.queryValue(resourceVersion)) }
        if let timeoutSeconds { extra.append("timeoutSeconds=\(timeoutSeconds)") }
        let target = Self.listPath(path, fieldSelector: fieldSelector, labelSelector: labelSelector, extra: extra)
        let what = "WATCH \(target)"
        let headDeadline = Deadline.after(options.requestTimeout)
        let connection: HTTPConnection
        do {
            connection = try HTTPConnection.open(endpoint, deadline: headDeadline)
        } catch {
            throw .transport("\(what): \(error.message)")
        }
        var head: HTTPResponseHead?
        var line: [UInt8] = []
        let maximumLine = options.maximumResponseBytes
        try connection.stream(request(for: .get(target)), headDeadline: headDeadline, idleTimeout: idleTimeout,
                              onHead: { head = $0 }) { (piece) throws(KubeError) -> Bool in
            guard head?.status == 200 else {
                line += piece.prefix(max(0, 65536 - line.count))  // an error's Status body
                return true
            }
            var rest = piece
            while let newline = rest.firstIndex(of: UInt8(ascii: "\n")) {
                line += rest[..<newline]
                rest = rest[(newline + 1)...]
                defer { line.removeAll(keepingCapacity: true) }
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) { continue }
                guard try handle(Self.event(line, what: what)) else { return false }
            }
            line += rest
            guard line.count <= maximumLine else {
                throw .transport("\(what): an event is larger than \(maximumLine >> 20) MiB")
            }
            return true
        }
        guard let head else { throw .transport("\(what): no answer") }
        if head.status != 200 { throw StatusBody.error(code: head.status, reasonPhrase: head.reason, body: line) }
    }

    /// `{"type": …, "object": …}`; an ERROR event's object is a `Status`.
    static func event(_ line: [UInt8], what: String) throws(KubeError) -> WatchEvent {
        let json: JSONValue
        do { json = try JSONValue(parsing: line) } catch { throw .decoding("\(what): \(error)") }
        guard let type = json["type"]?.stringValue, let object = json["object"] else {
            throw .decoding("\(what): an event without type or object")
        }
        if type == "ERROR" {
            throw StatusBody.error(code: object["code"]?.intValue ?? 500, reasonPhrase: "", body: object.serializedBytes)
        }
        return WatchEvent(type: type, object: object)
    }
}
