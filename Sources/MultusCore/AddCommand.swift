import CNISpec
import Delegation
import KubeAPI
import NetworkStatus

/// ADD: look up the pod, fetch and plan, record the plan, run every delegate
/// in order, fix the default route, convert the answer and publish
/// network-status — and undo all of it if any step fails. Everything that can
/// fail happens before the last effect (the network-status write) or is rolled back.
struct AddCommand {
    let invocation: Invocation

    func run() throws(CNIError) -> JSONValue {
        let inv = invocation
        try inv.waitForReadiness()
        try inv.sandbox.checkNamespace(inv.env.netns)
        let fetcher = Fetcher(invocation: inv)
        let pod: Pod?
        switch try fetcher.lookupPod(forDelete: false) {
        case .notInKubernetes: pod = nil
        case .notFound(let key):
            // A pod deleted before its sandbox got networks must not take addresses (as Go Multus ≥ 4.2).
            inv.logger.info("\(inv.context("pod")): pod \(key) not found; no network attached, empty result")
            return try emptyResult()
        case .found(let found): pod = found
        }
        let plan: [Attachment]
        do {
            let request = try NetworkRequest(config: inv.config, podNamespace: inv.podKey?.namespace, pod: pod)
            plan = try Planner(config: inv.config, env: inv.env).attachments(fetcher.inputs(for: request, pod: pod))
        } catch {
            throw error.prefixed(inv.context("plan"))
        }
        for attachment in plan { try inv.runner.locatePlugins(of: attachment.network) }
        let taken = try inv.sandbox.existingInterfaces(plan.filter { !$0.isMaster }.map(\.ifName), inNetns: inv.env.netns)
        if let attachment = plan.first(where: { taken.contains($0.ifName) }) {
            throw .invalidConfig("\(inv.context(attachment.statusName)): cannot set interface name to \"\(attachment.ifName)\": an interface of that name already exists in \(inv.env.netns)")
        }

        // Written before the first delegate runs: a crash from here on still
        // leaves DEL the list of what to undo.
        inv.scratch.clearDeleted(containerID: inv.env.containerID)
        try inv.scratch.save(containerID: inv.env.containerID, plan.map { $0.cached(netns: inv.env.netns) })
        var results: [JSONValue] = []
        for (index, attachment) in plan.enumerated() {
            inv.logger.info("\(inv.context(attachment.statusName)): ADD \(attachment.network.plugins.map(\.type)) as \(attachment.ifName)")
            var completed = 0
            do {
                inv.seedDeviceInfo(of: attachment)
                results.append(try inv.runner.add(attachment.network, attachment.runtimeConf(containerID: inv.env.containerID,
                                                                                             netns: inv.env.netns),
                                                  completedPlugins: &completed))
            } catch {
                let failure = error.prefixed("\(inv.context(attachment.statusName)): error adding container to network \"\(attachment.statusName)\"")
                // A network none of whose plugins completed ADD left nothing of
                // ours: its DEL is attempted, but its failure keeps nothing.
                rollBack(plan, attempted: index + 1, lastLeftNothing: completed == 0)
                throw failure
            }
        }
        do {
            try DefaultRouteFixup(invocation: inv).apply(plan, &results)
            let answer = try CNIResult.convert(results[0], from: plan[0].network.cniVersion, to: inv.config.cniVersion)
            if let pod, let key = inv.podKey { try publish(plan, results, pod: pod, key: key) }
            return answer
        } catch {
            rollBack(plan, attempted: plan.count)
            throw error
        }
    }

    /// Deletes what ADD created (the failing delegate too: it may have
    /// half-configured), in reverse; what cannot be deleted stays reachable.
    private func rollBack(_ plan: [Attachment], attempted count: Int, lastLeftNothing: Bool = false) {
        let teardown = Teardown(invocation: invocation)
        let attempted = Array(plan.prefix(count))
        var outcome = teardown.delete(attempted, containerID: invocation.env.containerID, netns: invocation.env.netns,
                                      what: "rollback DEL")
        if lastLeftNothing, let last = attempted.last { outcome.failed.removeAll { $0 == last } }
        teardown.settle(containerID: invocation.env.containerID, outcome, all: attempted)
    }

    /// network-status, the claims' network data and the events, in one round.
    /// A pod deleted meanwhile is not an error; any other failed network-status
    /// write is (and what the round wrote into claims is released again).
    private func publish(_ plan: [Attachment], _ results: [JSONValue], pod: Pod, key: ObjectKey) throws(CNIError) {
        guard let cluster = invocation.cluster else { return }
        let outcomes = zip(plan, results).map { attachment, result in
            AttachmentOutcome(network: attachment.statusName, ifName: attachment.ifName, result: result,
                              resultVersion: attachment.network.cniVersion, isDefault: attachment.isMaster,
                              deviceInfo: invocation.deviceInfo(for: attachment))
        }
        let (value, events) = try StatusPublisher.prepare(outcomes, pod: key, podUID: pod.metadata.uid)
        let claims = invocation.claimNetworkData(plan, results)
        let published = StatusPublisher(cluster: cluster).publish(value: value, claims: claims, events: events, to: key)
        for (event, error) in published.failedEvents { invocation.logger.info("event \(event.reason) on \(key) not posted: \(error)") }
        invocation.logClaimWrites(published.claims, released: false)
        switch published.status {
        case .success(.written): return
        case .success(.podGone): invocation.logger.info("\(invocation.context("network-status")): pod \(key) is gone; network-status not written")
        case .failure(let error):
            let written = published.claims.filter { if case .success = $0.1 { true } else { false } }.map(\.0)
            invocation.release(written.map { ClaimDeviceStatus(claim: $0.claim, fieldManager: $0.fieldManager, apiVersion: $0.apiVersion,
                                                               entries: [], released: $0.entries.map(\.device)) })
            throw error.cniError(context: "\(invocation.context("network-status")): writing network-status of pod \(key)")
        }
    }

    /// Go Multus's answer when the pod is gone: the interface, in the sandbox,
    /// with the unspecified address (so that every result version can carry it).
    private func emptyResult() throws(CNIError) -> JSONValue {
        let result: JSONValue = [
            "cniVersion": "1.0.0",
            "interfaces": [["name": .string(invocation.env.ifName), "sandbox": .string(invocation.env.netns)]],
            "ips": [["address": "0.0.0.0/0", "gateway": "0.0.0.0"]],
        ]
        return try CNIResult.convert(result, from: .v1_0_0, to: invocation.config.cniVersion)
    }
}
