import CNISpec
import Delegation
import SystemSupport

/// GC (1.1.0): delete the attachments of every container not in
/// `cni.dev/valid-attachments`, with their caches and the leftovers of killed
/// writers, then forward GC to the configured delegates with what is still
/// valid for each. (Go Multus only forwards GC to the master.)
struct GCCommand {
    let invocation: Invocation

    func run() throws(CNIError) {
        let inv = invocation
        try inv.waitForReadiness()
        let valid = Set((inv.config.validAttachments ?? []).compactMap { $0["containerID"]?.stringValue })
        var remaining: [(containerID: String, attachments: [CachedAttachment])] = []
        var firstFailure: CNIError?
        let teardown = Teardown(invocation: inv)

        func collect(_ containerID: String, _ attachments: [Attachment], netns: String) {
            inv.logger.info("GC: removing \(attachments.count) attachment(s) of stale container \(containerID)")
            let outcome = teardown.delete(attachments, containerID: containerID, netns: netns, what: "GC")
            teardown.settle(containerID: containerID, outcome, all: attachments)
            firstFailure = firstFailure ?? outcome.firstFailure
        }

        let withScratchCache = inv.scratch.containerIDs()
        for containerID in withScratchCache {
            var scoped = inv
            scoped.env.containerID = containerID
            switch inv.scratch.load(containerID: containerID, context: scoped.goDelegateContext) {
            case .found(let cached) where valid.contains(containerID):
                remaining.append((containerID, cached))
            case .found(let cached):
                // Inside the sandbox while it still exists, so the links go too.
                let netns = cached.first.map(\.netns).flatMap { FileSystem.exists($0) ? $0 : nil } ?? ""
                collect(containerID, cached.compactMap { try? Attachment(cached: $0) }, netns: netns)
            case .unreadable where !valid.contains(containerID):
                collect(containerID, fromResultsCache(inv, containerID: containerID), netns: "")
            default:
                break
            }
        }
        // Results-cache entries of stale containers that have no scratch cache.
        let orphaned = Set(inv.runner.cache.entries().map(\.containerID)).subtracting(valid)
        for containerID in orphaned.sorted() where !withScratchCache.contains(containerID) {
            collect(containerID, fromResultsCache(inv, containerID: containerID), netns: "")
        }
        inv.scratch.removeLeftovers(containerID: nil)
        inv.runner.cache.removeLeftovers(containerID: nil)
        inv.scratch.pruneDeleted(keeping: valid)

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
}
