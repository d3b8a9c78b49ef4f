import CNISpec
import Delegation

/// Deleting attachments, in reverse: shared by DEL, the rollback of a failed
/// ADD and GC, so all three free the same things the same way.
struct Teardown {
    let invocation: Invocation

    struct Outcome {
        /// Those whose DEL failed, in ADD order: they must stay reachable.
        var failed: [Attachment] = []
        var firstFailure: CNIError?
    }

    /// DEL of every attachment, last first; one that fails does not keep the
    /// others from being freed. Each one's device-info file goes with it.
    func delete(_ attachments: [Attachment], containerID: String, netns: String, what: String) -> Outcome {
        var outcome = Outcome()
        for attachment in attachments.reversed() {
            do {
                try invocation.runner.del(attachment.network, attachment.runtimeConf(containerID: containerID, netns: netns))
                invocation.removeDeviceInfo(of: attachment)
            } catch {
                let failure = error.prefixed("\(invocation.context(attachment.statusName)): \(what) of network \"\(attachment.statusName)\" failed")
                invocation.logger.error("\(failure.description)")
                outcome.failed.insert(attachment, at: 0)
                outcome.firstFailure = outcome.firstFailure ?? failure
            }
        }
        return outcome
    }

    /// After a teardown: a complete one leaves no cache but a record that the
    /// container is done (the runtime's later DELs then do nothing); a partial
    /// one keeps exactly what is left to delete in the scratch cache (all of it
    /// with `retryDeleteOnError`, as Go Multus), so a later DEL can finish it.
    func settle(containerID: String, _ outcome: Outcome, all attachments: [Attachment]) {
        let scratch = invocation.scratch
        invocation.runner.cache.removeLeftovers(containerID: containerID)
        scratch.removeLeftovers(containerID: containerID)
        do {
            if outcome.failed.isEmpty {
                try scratch.remove(containerID: containerID)
                try scratch.markDeleted(containerID: containerID)
            } else {
                let kept = invocation.config.retryDeleteOnError ? attachments : outcome.failed
                try scratch.save(containerID: containerID, kept.map { $0.cached(netns: invocation.env.netns) })
            }
        } catch {
            invocation.logger.error("\(invocation.context("cache")): \(error.description)")
        }
    }
}
