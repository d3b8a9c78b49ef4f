import CNISpec
import Delegation
import SystemSupport

/// GC (1.1.0): delete the attachments of every container not in
/// `cni.dev/valid-attachments`, with their caches and the leftovers of killed
/// writers, then forward GC to the configured delegates with what is still
/// valid for each. (Go Multus only forwards GC to the master.) Without the
/// runtime's list nothing is known to be stale: every cached attachment counts
/// as valid and nothing is deleted, as in Go Multus.
struct GCCommand {
    let invocation: Invocation

    func run() throws(CNIError) {
        let inv = invocation
        try inv.waitForReadiness()
        let recorded = recordedAttachments()
        var remaining = recorded
        var firstFailure: CNIError?
        if let validAttachments = inv.config.validAttachments {
            let valid = Set(validAttachments.compactMap { $0["containerID"]?.stringValue })
            remaining = recorded.filter { valid.contains($0.containerID) }
            firstFailure = collectStale(recorded: recorded, valid: valid)
        }
        for delegate in try configuredDelegates(inv) {
            let stillValid = remaining.flatMap { record in
                record.attachments.filter { $0.network == delegate.statusName }.map { cached -> JSONValue in
                    ["containerID": .string(record.containerID), "ifname": .string(cached.ifName)]
                }
            }
            do { try inv.runner.gc(delegate.network, validAttachments: stillValid) } catch {
                firstFailure = firstFailure ?? error.prefixed("GC of network \"\(delegate.statusName)\"")
            }
        }
        if let firstFailure { throw firstFailure }
    }

    /// Every readable scratch cache on the node.
    private func recordedAttachments() -> [(containerID: String, attachments: [CachedAttachment])] {
        invocation.scratch.containerIDs().compactMap { containerID in
            var scoped = invocation
            scoped.env.containerID = containerID
            guard case .found(let cached) = invocation.scratch.load(containerID: containerID, context: scoped.goDelegateContext)
            else { return nil }
            return (containerID, cached)
        }
    }

    /// Deletes the containers not in `valid` (scratch cache, else results
    /// cache), then the leftovers of killed writers and old tombstones.
    private func collectStale(recorded: [(containerID: String, attachments: [CachedAttachment])], valid: Set<String>) -> CNIError? {
        let inv = invocation
        let teardown = Teardown(invocation: inv)
        var firstFailure: CNIError?
        func collect(_ containerID: String, _ attachments: [Attachment], netns: String) {
            inv.logger.info("GC: removing \(attachments.count) attachment(s) of stale container \(containerID)")
            let outcome = teardown.delete(attachments, containerID: containerID, netns: netns, what: "GC")
            teardown.settle(containerID: containerID, outcome, all: attachments)
            var scoped = inv
            scoped.env.containerID = containerID  // the stale sandbox's field manager
            scoped.releaseClaims(of: attachments, after: outcome)
            firstFailure = firstFailure ?? outcome.firstFailure
        }
        for (containerID, cached) in recorded where !valid.contains(containerID) {
            // Inside the sandbox while it still exists, so the links go too.
            let netns = cached.first.map(\.netns).flatMap { FileSystem.exists($0) ? $0 : nil } ?? ""
            collect(containerID, cached.compactMap { try? Attachment(cached: $0) }, netns: netns)
        }
        // Unreadable scratch caches and results-cache entries of stale containers without one.
        let readable = Set(recorded.map(\.containerID))
        let withScratchCache = Set(inv.scratch.containerIDs())
        let orphaned = withScratchCache.subtracting(readable).union(Set(inv.runner.cache.entries().map(\.containerID)).subtracting(withScratchCache))
        for containerID in orphaned.subtracting(valid).sorted() {
            collect(containerID, fromResultsCache(inv, containerID: containerID), netns: "")
        }
        inv.scratch.removeLeftovers(containerID: nil)
        inv.runner.cache.removeLeftovers(containerID: nil)
        inv.scratch.pruneDeleted(keeping: valid)
        return firstFailure
    }
}
