import CNISpec

/// What libcni calls RuntimeConf: the per-attachment parameters of one call.
package struct RuntimeConf: Sendable, Equatable {
    package var containerID: String
    package var netns: String
    package var ifName: String
    package var args: CNIArgs
    /// Values for capabilities (portMappings, ips, mac, deviceID, …). Only those a
    /// plugin declares reach it, as `runtimeConfig`.
    package var capabilityArgs: JSONObject

    package init(containerID: String, netns: String, ifName: String, args: CNIArgs = CNIArgs(),
                capabilityArgs: JSONObject = JSONObject()) {
        self.containerID = containerID
        self.netns = netns
        self.ifName = ifName
        self.args = args
        self.capabilityArgs = capabilityArgs
    }
}
