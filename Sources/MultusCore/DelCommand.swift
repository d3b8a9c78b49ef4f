import CNISpec
import Delegation
import KubeAPI
import SystemSupport

/// DEL: undo every recorded attachment in reverse. Idempotent, needs no API
/// when the caches are there (its one request: releasing the network data ADD
/// wrote into the ResourceClaims of its devices, when there are any), and
/// tolerates a netns that is already gone. A DEL after a finished DEL does
/// nothing at all: no delegate, no API request.
struct DelCommand {
    let invocation: Invocation

    func run() throws(CNIError) {
        let inv = invocation
        let containerID = inv.env.containerID
        // An ID ADD would have refused names nothing we could have made.
        guard Validation.isContainerID(containerID) else {
            inv.logger.info("DEL: CNI_CONTAINERID \"\(containerID.prefix(64))…\" could never have been added; nothing to delete")
            return
        }
        if let file = inv.config.readinessIndicatorFile, !ReadinessIndicator(path: file).isReady() {
            inv.logger.info("DEL: readiness indicator \(file) is missing; deleting anyway")
        }
        // Plugins treat an empty CNI_NETNS as "the sandbox is gone: release what you hold".
        let netns = inv.env.netns.isEmpty || FileSystem.exists(inv.env.netns) ? inv.env.netns : ""

        let attachments: [Attachment]
        switch inv.scratch.load(containerID: containerID, context: inv.goDelegateContext) {
        case .found(let cached):
            attachments = usable(cached)
        case .unreadable(let why):
            inv.logger.error("DEL \(containerID): \(why); falling back to the results cache")
            attachments = fromResultsCacheOrPod()
        case .missing:
            if inv.scratch.isDeleted(containerID: containerID) {
                inv.logger.debug("DEL \(containerID): already deleted")
                return
            }
            attachments = fromResultsCacheOrPod()
        }
        let teardown = Teardown(invocation: inv)
        let outcome = teardown.delete(attachments, containerID: containerID, netns: netns, what: "DEL")
        teardown.settle(containerID: containerID, outcome, all: attachments)
        inv.releaseClaims(of: attachments, after: outcome)
        inv.scratch.pruneDeleted()
        if let failure = outcome.firstFailure { throw failure }
    }

    /// One damaged entry must not keep the others from being freed. A conflist
    /// without cniVersion gets the multus configuration's, as Go Multus's DEL
    /// gives it (so its cached result reaches it as prevResult).
    private func usable(_ cached: [CachedAttachment]) -> [Attachment] {
        cached.compactMap { entry -> Attachment? in
            var entry = entry
            if entry.config["plugins"] != nil && entry.config["cniVersion"] == nil {
                entry.config["cniVersion"] = .string(invocation.config.cniVersion.description)
            }
            do throws(CNIError) { return try Attachment(cached: entry) } catch {
                invocation.logger.error("\(invocation.context(entry.network)): cached attachment unusable: \(error.description)")
                return nil
            }
        }
    }

    /// Without a scratch cache: the results cache (so no address leaks), else
    /// (as Multus) the plan rebuilt from the pod — with its devices, exactly as
    /// ADD assigns them — else nothing to delete.
    private func fromResultsCacheOrPod() -> [Attachment] {
        let cached = fromResultsCache(invocation)
        guard cached.isEmpty, invocation.cluster != nil else { return cached }
        let fetcher = Fetcher(invocation: invocation)
        do {
            guard case .found(let pod) = try fetcher.lookupPod(forDelete: true) else { return [] }
            let request = try NetworkRequest(config: invocation.config, podNamespace: invocation.podKey?.namespace, pod: pod)
            let inputs = try fetcher.inputs(for: request, pod: pod)
            return try Planner(config: invocation.config, env: invocation.env, forDelete: true).attachments(inputs)
        } catch {
            invocation.logger.error("DEL \(invocation.env.containerID): cannot rebuild the attachments from the pod: \(error.description)")
            return []
        }
    }
}

/// Attachments rebuilt from the libcni results cache entries of one
/// container. The entry for the call's CNI_IFNAME is the master: it comes
/// first, so the reverse walk deletes it last.
func fromResultsCache(_ invocation: Invocation, containerID: String? = nil) -> [Attachment] {
    let id = containerID ?? invocation.env.containerID
    var attachments: [Attachment] = []
    for entry in invocation.runner.cache.entries(containerID: id) {
        guard let network = try? NetworkConfigList(parsing: entry.config) else {
            invocation.logger.error("results cache entry \(entry.networkName)/\(entry.ifName) has an unreadable config; skipped")
            continue
        }
        attachments.append(Attachment(network: network, ifName: entry.ifName, args: entry.cniArgs,
                                      capabilityArgs: entry.capabilityArgs, isMaster: entry.ifName == invocation.env.ifName))
    }
    return attachments.sorted { $0.isMaster && !$1.isMaster }
}
