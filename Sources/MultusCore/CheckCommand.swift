import CNISpec
import Delegation

extension Multus {
    /// CHECK every recorded attachment, clusterNetwork mode included.
    package func check() throws(CNIError) {
        guard case .found(let record) = attachmentCache.load(containerID: env.containerID) else {
            throw CNIError(code: CNIError.unknownContainer, msg: "CHECK: no attachments recorded for container \(env.containerID)")
        }
        for cached in record.attachments {
            let attachment = try Attachment(cached: cached)
            do {
                try runner.check(attachment.network, attachment.runtimeConf(containerID: env.containerID, netns: env.netns))
            } catch {
                throw error.prefixed("\(context(cached.network)): error checking network \"\(cached.network)\" on \(cached.ifName)")
            }
        }
    }

    /// STATUS is the master's.
    package func status() throws(CNIError) {
        try waitForReadiness()
        guard let master = try configuredNetworks().first else { return }
        try runner.status(master.delegate.network)
    }
}
