import CNISpec
import NIOCore
import NIOHTTP1

/// WATCH as the API server serves it: a chunked stream of JSON lines
/// `{"type","object"}` — ADDED, MODIFIED, DELETED, BOOKMARK (with
/// allowWatchBookmarks, when a test calls `sendBookmarks`), ERROR with a 410
/// `Status` when the resourceVersion asked for is older than the last
/// compaction. From resourceVersion N: every change after N, then live ones;
/// without one (or "0"): ADDED for what exists now, then live ones. With a
/// fieldSelector or labelSelector an object that starts to match arrives as
/// ADDED and one that stops matching as DELETED, as the watch cache does.
/// `timeoutSeconds` ends the stream. With `sendInitialEvents=true` (WatchList,
/// what client-go's informers send first since 1.32): ADDED for what exists
/// now, a BOOKMARK annotated `k8s.io/initial-events-end`, then live changes.
struct Watcher {
    var channel: any Channel
    var filter: CollectionFilter
    var bookmarks: Bool
}

extension KubeAPIServerDouble.State {
    mutating func startWatch(_ request: DoubleRequest, channel: (any Channel)?) -> DoubleResponse {
        guard let path = APIPath(request.path), path.name == nil else {
            return .status(405, reason: "MethodNotAllowed", message: "watch needs a collection")
        }
        if unavailableAPIs.contains(path.groupVersion) { return .resourceNotServed }
        let filter: CollectionFilter
        switch CollectionFilter.parse(path, query: request.query) {
        case .success(let parsed): filter = parsed
        case .failure(let error): return error.response
        }
        let requested = request.query["resourceVersion"] ?? ""
        var lines: [UInt8] = []
        if request.query["sendInitialEvents"] == "true" {
            // WatchList (client-go's default since 1.32): the current objects as
            // ADDED, then a BOOKMARK annotated k8s.io/initial-events-end.
            for (objectPath, object) in store.objects.sorted(by: { $0.key < $1.key })
            where filter.contains(objectPath: objectPath) && filter.selects(object) {
                lines += Self.line("ADDED", object)
            }
            let bookmark: JSONValue = [
                "kind": .string(ObjectStore.kind(ofResource: path.resource)), "apiVersion": .string(path.groupVersion),
                "metadata": ["resourceVersion": .string(String(store.revision)),
                             "annotations": ["k8s.io/initial-events-end": "true"]],
            ]
            lines += Self.line("BOOKMARK", bookmark)
        } else if requested.isEmpty || requested == "0" {
            for (objectPath, object) in store.objects.sorted(by: { $0.key < $1.key })
            where filter.contains(objectPath: objectPath) && filter.selects(object) {
                lines += Self.line("ADDED", object)
            }
        } else {
            guard let version = Int(requested) else {
                return .status(400, reason: "BadRequest", message: "invalid resource version: \(requested)")
            }
            if version < store.compactedRevision {
                var response = DoubleResponse(status: 200, body: Self.line("ERROR", Self.expired(version, store.compactedRevision)))
                response.watch = DoubleResponse.WatchStream(id: nil)
                return response
            }
            for change in store.changes where change.revision > version {
                if let event = Self.event(for: change, filter) { lines += Self.line(event, change.object) }
            }
        }
        // Live changes from here on (everything logged so far is in `lines`).
        publishChanges()
        var response = DoubleResponse(status: 200, body: lines)
        if let channel {
            let id = nextWatchID
            nextWatchID += 1
            watchers[id] = Watcher(channel: channel, filter: filter, bookmarks: request.query["allowWatchBookmarks"] == "true")
            response.watch = DoubleResponse.WatchStream(id: id, timeoutSeconds: request.query["timeoutSeconds"].flatMap { Int($0) })
        } else {
            response.watch = DoubleResponse.WatchStream(id: nil)
        }
        return response
    }

    /// Sends the changes logged since the last call to every watcher they concern.
    mutating func publishChanges() {
        guard published < store.changes.count else { return }
        let fresh = store.changes[published...]
        published = store.changes.count
        for watcher in watchers.values {
            var lines: [UInt8] = []
            for change in fresh {
                if let event = Self.event(for: change, watcher.filter) { lines += Self.line(event, change.object) }
            }
            if !lines.isEmpty { Self.send(lines, on: watcher.channel) }
        }
    }

    /// What a watcher with `filter` sees of a change, if anything.
    static func event(for change: ObjectStore.Change, _ filter: CollectionFilter) -> String? {
        guard filter.contains(objectPath: change.path) else { return nil }
        let now = filter.selects(change.object)
        switch change.type {
        case "ADDED": return now ? "ADDED" : nil
        case "DELETED": return now ? "DELETED" : nil
        default:
            let before = change.previous.map(filter.selects) ?? false
            switch (before, now) {
            case (true, true): return "MODIFIED"
            case (false, true): return "ADDED"
            case (true, false): return "DELETED"
            case (false, false): return nil
            }
        }
    }

    static func line(_ type: String, _ object: JSONValue) -> [UInt8] {
        (["type": .string(type), "object": object] as JSONValue).serializedBytes + [UInt8(ascii: "\n")]
    }

    static func expired(_ requested: Int, _ oldest: Int) -> JSONValue {
        [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
            "message": .string("too old resource version: \(requested) (\(oldest))"), "reason": "Expired", "code": 410,
        ]
    }

    static func send(_ bytes: [UInt8], on channel: any Channel) {
        channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: bytes))), promise: nil)
    }
}

extension KubeAPIServerDouble {
    /// Open WATCH streams.
    package var watchCount: Int { state.withLock { $0.watchers.count } }

    /// A BOOKMARK with the current revision to every watcher that allows them.
    package func sendBookmarks() {
        state.withLock { s in
            for watcher in s.watchers.values where watcher.bookmarks {
                let path = watcher.filter.path
                let object: JSONValue = [
                    "kind": .string(ObjectStore.kind(ofResource: path.resource)), "apiVersion": .string(path.groupVersion),
                    "metadata": ["resourceVersion": .string(String(s.store.revision))],
                ]
                State.send(State.line("BOOKMARK", object), on: watcher.channel)
            }
        }
    }

    /// Forgets the history up to now, as etcd compaction does: a WATCH from an
    /// older resourceVersion gets 410 Gone.
    package func compact() { state.withLock { $0.store.compactedRevision = $0.store.revision } }

    /// The current revision (what a LIST would return as resourceVersion).
    package var currentResourceVersion: String { state.withLock { String($0.store.revision) } }

    /// Ends every WATCH stream cleanly (as the server's timeout does).
    package func endWatches() {
        for id in state.withLock({ Array($0.watchers.keys) }) { endWatch(id) }
    }

    func endWatch(_ id: Int) {
        guard let watcher = state.withLock({ $0.watchers.removeValue(forKey: id) }) else { return }
        watcher.channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
    }

    func forgetWatch(_ id: Int) { _ = state.withLock { $0.watchers.removeValue(forKey: id) } }
}
