import CNISpec
import Delegation

extension Multus {
    /// ADD: plan, record the plan, run every delegate in order, and undo all of
    /// it if any step fails. Returns the master's result for the runtime.
    public func add() throws(CNIError) -> JSONValue {
        try waitForReadiness()
        let podNamespace = env.args["K8S_POD_NAMESPACE"]
        let plan = try planner.attachments(for: try planner.staticDelegates(podNamespace: podNamespace), env: env)
        for attachment in plan where !attachment.isMaster {
            if try inspector.interfaceExists(named: attachment.ifName, inNetns: env.netns) {
                throw .invalidConfig("\(context(attachment.delegate.statusName)): cannot set interface name to \"\(attachment.ifName)\": an interface of that name already exists in \(env.netns)")
            }
        }

        // Written before the first delegate runs: a crash from here on still
        // leaves DEL the list of what to undo.
        try attachmentCache.save(AttachmentRecord(containerID: env.containerID, netns: env.netns,
                                                  attachments: plan.map(\.cached)))
        var masterResult: JSONValue?
        for (index, attachment) in plan.enumerated() {
            let network = attachment.delegate.statusName
            logger.info("\(context(network)): ADD \(attachment.network.plugins.map(\.type)) as \(attachment.ifName)")
            do {
                let result = try runner.add(attachment.network, attachment.runtimeConf(containerID: env.containerID, netns: env.netns))
                if attachment.isMaster { masterResult = try resultForRuntime(result, of: attachment.network) }
            } catch {
                let failure = error.prefixed("\(context(network)): error adding container to network \"\(network)\"")
                logger.error("\(failure.description)")
                rollBack(plan[...index])
                throw failure
            }
        }
        guard let masterResult else { throw .invalidConfig("no master network to attach") }
        return masterResult
    }

    /// Deletes what ADD created (including the failing delegate, which may have
    /// half-configured), in reverse, then drops the scratch cache. A delegate
    /// whose DEL fails keeps its results cache entry, so the runtime's DEL retries it.
    func rollBack(_ attempted: ArraySlice<Attachment>) {
        for attachment in attempted.reversed() {
            do {
                try runner.del(attachment.network, attachment.runtimeConf(containerID: env.containerID, netns: env.netns))
            } catch {
                logger.error("\(context(attachment.delegate.statusName)): rollback DEL failed: \(error.description)")
            }
        }
        do { try attachmentCache.remove(containerID: env.containerID) } catch {
            logger.error("rollback: \(error.description)")
        }
    }
}
