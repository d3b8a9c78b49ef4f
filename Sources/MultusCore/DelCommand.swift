import CNISpec
import Delegation
import SystemSupport

extension Multus {
    /// DEL: undo every recorded attachment in reverse. Idempotent, needs no API,
    /// and tolerates a netns that is already gone.
    package func del() throws(CNIError) {
        if let file = config.readinessIndicatorFile, !ReadinessIndicator(path: file).isReady() {
            logger.info("DEL: readiness indicator \(file) is missing; deleting anyway")
        }
        // Plugins treat an empty CNI_NETNS as "the sandbox is gone: release what you hold".
        let netns = env.netns.isEmpty || FileSystem.exists(env.netns) ? env.netns : ""

        var attachments: [Attachment]
        switch attachmentCache.load(containerID: env.containerID) {
        case .found(let record):
            attachments = []
            for cached in record.attachments {
                // One damaged entry must not keep the others from being freed.
                do { attachments.append(try Attachment(cached: cached)) } catch {
                    logger.error("\(context(cached.network)): cached attachment unusable: \(error.description)")
                }
            }
        case .unreadable(let why):
            logger.error("DEL \(env.containerID): \(why); falling back to the results cache")
            attachments = attachmentsFromCachesOrPod()
        case .missing:
            attachments = attachmentsFromCachesOrPod()
        }

        var firstFailure: CNIError?
        for attachment in attachments.reversed() {
            let network = attachment.delegate.statusName
            do {
                try runner.del(attachment.network, attachment.runtimeConf(containerID: env.containerID, netns: netns))
            } catch {
                let failure = error.prefixed("\(context(network)): error deleting container from network \"\(network)\"")
                logger.error("\(failure.description)")
                firstFailure = firstFailure ?? failure
            }
            removeDeviceInfo(attachment)
        }
        // With retryDeleteOnError the scratch cache stays for the runtime's retry;
        // without it a retry still finds the failed delegate in the results cache.
        if firstFailure == nil || !config.retryDeleteOnError {
            try attachmentCache.remove(containerID: env.containerID)
        }
        if let firstFailure { throw firstFailure }
    }

    /// Without a scratch cache: the results cache, else (as Multus) the plan
    /// rebuilt from the pod, else nothing to delete.
    func attachmentsFromCachesOrPod() -> [Attachment] {
        let cached = attachmentsFromResultCache()
        guard cached.isEmpty, cluster != nil else { return cached }
        do {
            guard let pod = try lookupPod() else { return [] }
            let networks = try resolver.networks(podNamespace: podKey?.namespace, pod: pod)
            return try planner.attachments(for: networks, env: env)
        } catch {
            logger.error("DEL \(env.containerID): cannot rebuild the attachments from the pod: \(error.description)")
            return []
        }
    }

    /// Rebuilds attachments from libcni results-cache entries of this container,
    /// so a lost scratch cache does not leak addresses. The entry for CNI_IFNAME
    /// is the master: it is put first, so the reverse walk deletes it last.
    func attachmentsFromResultCache() -> [Attachment] {
        let entries = runner.cache.entries(containerID: env.containerID)
        var attachments: [Attachment] = []
        for entry in entries {
            guard let net = try? NetworkConfigList(parsing: entry.config) else {
                logger.error("results cache entry \(entry.networkName)/\(entry.ifName) has an unreadable config; skipped")
                continue
            }
            attachments.append(Attachment(delegate: Delegate(network: net), ifName: entry.ifName, args: entry.cniArgs,
                                          capabilityArgs: entry.capabilityArgs, isMaster: entry.ifName == env.ifName))
        }
        return attachments.sorted { $0.isMaster && !$1.isMaster }
    }
}
