import CNISpec
import Delegation

/// CHECK every recorded attachment, clusterNetwork mode included.
struct CheckCommand {
    let invocation: Invocation

    func run() throws(CNIError) {
        let inv = invocation
        guard case .found(let cached) = inv.scratch.load(containerID: inv.env.containerID, context: inv.goDelegateContext) else {
            throw CNIError(code: CNIError.unknownContainer, msg: "CHECK: no attachments recorded for container \(inv.env.containerID)")
        }
        for entry in cached {
            let attachment = try Attachment(cached: entry)
            do {
                try inv.runner.check(attachment.network, attachment.runtimeConf(containerID: inv.env.containerID, netns: inv.env.netns))
            } catch {
                throw error.prefixed("\(inv.context(entry.network)): error checking network \"\(entry.network)\" on \(entry.ifName)")
            }
        }
    }
}

/// STATUS (1.1.0) is the master's.
struct StatusCommand {
    let invocation: Invocation

    func run() throws(CNIError) {
        try invocation.waitForReadiness()
        try invocation.runner.status(try configuredDelegates(invocation)[0].network)
    }
}

/// The configured networks (master first, then defaultNetworks), as STATUS
/// and GC see them: no pod, so no annotation networks.
func configuredDelegates(_ invocation: Invocation) throws(CNIError) -> [Delegate] {
    let request = NetworkRequest(config: invocation.config)
    let inputs = try Fetcher(invocation: invocation).inputs(for: request, pod: nil)
    return try Planner(config: invocation.config, env: invocation.env).delegates(inputs).map(\.0)
}
