import CNISpec
import Delegation
import KubeAPI

extension Multus {
    /// ADD: look up the pod, plan, record the plan, run every delegate in order,
    /// fix the default route, publish network-status — and undo all of it if any
    /// step fails. Returns the master's result for the runtime.
    package func add() throws(CNIError) -> JSONValue {
        try waitForReadiness()
        let pod = try lookupPod()
        var networks: [PlannedNetwork]
        do {
            networks = try resolver.networks(podNamespace: podKey?.namespace, pod: pod)
        } catch {
            if let pod, error.msg.hasPrefix(NetworkResolver.noNetworkFound) {
                post(PodEvent(pod: podKey!, podUID: pod.metadata.uid, type: "Warning", reason: "NoNetworkFound", message: error.msg))
            }
            throw error.prefixed(context("plan"))
        }
        try assignDevices(&networks, pod: pod)
        let plan = try planner.attachments(for: networks, env: env)
        for attachment in plan where !attachment.isMaster {
            if try sandbox.interfaceExists(named: attachment.ifName, inNetns: env.netns) {
                throw .invalidConfig("\(context(attachment.delegate.statusName)): cannot set interface name to \"\(attachment.ifName)\": an interface of that name already exists in \(env.netns)")
            }
        }

        // Written before the first delegate runs: a crash from here on still
        // leaves DEL the list of what to undo.
        try attachmentCache.save(AttachmentRecord(containerID: env.containerID, netns: env.netns,
                                                  attachments: plan.map(\.cached)))
        var results: [JSONValue] = []
        for (index, attachment) in plan.enumerated() {
            let network = attachment.delegate.statusName
            logger.info("\(context(network)): ADD \(attachment.network.plugins.map(\.type)) as \(attachment.ifName)")
            do {
                try seedDeviceInfo(attachment)
                results.append(try runner.add(attachment.network, attachment.runtimeConf(containerID: env.containerID, netns: env.netns)))
            } catch {
                let failure = error.prefixed("\(context(network)): error adding container to network \"\(network)\"")
                logger.error("\(failure.description)")
                rollBack(plan[...index])
                throw failure
            }
        }
        do {
            try applyDefaultRoutes(plan, &results)
            if let pod, let key = podKey { try publish(plan, results, for: pod, key) }
        } catch {
            logger.error("\(error.description)")
            rollBack(plan[...])
            throw error
        }
        return try CNIResult.convert(results[0], from: plan[0].network.cniVersion, to: config.cniVersion)
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
            removeDeviceInfo(attachment)
        }
        do { try attachmentCache.remove(containerID: env.containerID) } catch {
            logger.error("rollback: \(error.description)")
        }
    }
}
