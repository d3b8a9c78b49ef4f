import CNISpec
import Delegation
import SystemSupport

extension Multus {
    /// GC (1.1.0): delete the attachments of every container not in
    /// `cni.dev/valid-attachments`, with their caches, then forward GC to the
    /// configured delegates with what is still valid for each.
    package func gc() throws(CNIError) {
        try waitForReadiness()
        let validContainers = Set((config.validAttachments ?? []).compactMap { $0["containerID"]?.stringValue })
        var remaining: [AttachmentRecord] = []
        var firstFailure: CNIError?

        for containerID in attachmentCache.containerIDs() {
            let stale = !validContainers.contains(containerID)
            switch attachmentCache.load(containerID: containerID) {
            case .found(let record) where !stale:
                remaining.append(record)
            case .found(let record):
                let netns = FileSystem.exists(record.netns) ? record.netns : ""
                if let failure = collect(containerID: containerID, netns: netns, record.attachments.compactMap { try? Attachment(cached: $0) }) {
                    firstFailure = firstFailure ?? failure
                }
            case .unreadable where stale:
                if let failure = collect(containerID: containerID, netns: "", attachments(fromResultsOf: containerID)) {
                    firstFailure = firstFailure ?? failure
                }
            default:
                break
            }
        }
        // Results-cache entries of stale containers that have no scratch cache.
        let orphaned = Set(runner.cache.entries().map(\.containerID)).subtracting(validContainers)
        for containerID in orphaned.sorted() where attachmentCache.load(containerID: containerID) == .missing {
            if let failure = collect(containerID: containerID, netns: "", attachments(fromResultsOf: containerID)) {
                firstFailure = firstFailure ?? failure
            }
        }

        for delegate in try configuredNetworks().map(\.delegate) {
            let valid = remaining.flatMap { record in
                record.attachments.filter { $0.network == delegate.statusName }.map { cached -> JSONValue in
                    ["containerID": .string(record.containerID), "ifname": .string(cached.ifName)]
                }
            }
            do { try runner.gc(delegate.network, validAttachments: valid) } catch {
                firstFailure = firstFailure ?? error.prefixed("GC of network \"\(delegate.statusName)\"")
            }
        }
        if let firstFailure { throw firstFailure }
    }

    /// Deletes one stale container's attachments in reverse and its scratch cache.
    private func collect(containerID: String, netns: String, _ attachments: [Attachment]) -> CNIError? {
        logger.info("GC: removing \(attachments.count) attachment(s) of stale container \(containerID)")
        var failure: CNIError?
        for attachment in attachments.reversed() {
            do {
                try runner.del(attachment.network, attachment.runtimeConf(containerID: containerID, netns: netns))
                removeDeviceInfo(attachment)
            } catch {
                failure = failure ?? error.prefixed("GC: deleting \(attachment.delegate.statusName) of container \(containerID)")
            }
        }
        if failure == nil { try? attachmentCache.remove(containerID: containerID) }
        return failure
    }

    private func attachments(fromResultsOf containerID: String) -> [Attachment] {
        var scoped = self
        scoped.env.containerID = containerID
        scoped.env.ifName = ""
        return scoped.attachmentsFromResultCache()
    }
}
