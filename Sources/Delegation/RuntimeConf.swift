import CNISpec

/// What libcni calls RuntimeConf: the per-attachment parameters of one call.
public struct RuntimeConf: Sendable, Equatable {
    public var containerID: String
    public var netns: String
    public var ifName: String
    public var args: CNIArgs
    /// Values for capabilities (portMappings, ips, mac, deviceID, …). Only those a
    /// plugin declares reach it, as `runtimeConfig`.
    public var capabilityArgs: JSONObject

    public init(containerID: String, netns: String, ifName: String, args: CNIArgs = CNIArgs(),
                capabilityArgs: JSONObject = JSONObject()) {
        self.containerID = containerID
        self.netns = netns
        self.ifName = ifName
        self.args = args
        self.capabilityArgs = capabilityArgs
    }
}
