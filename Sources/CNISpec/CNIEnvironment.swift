/// The CNI verbs (SPEC "Parameters": CNI_COMMAND).
package enum CNICommand: String, Sendable, CaseIterable {
    case add = "ADD"
    case del = "DEL"
    case check = "CHECK"
    case version = "VERSION"
    case status = "STATUS"
    case gc = "GC"
}

/// The `CNI_*` variables a runtime passes, validated per verb as the spec requires.
package struct CNIEnvironment: Sendable, Equatable {
    package var command: CNICommand
    package var containerID: String
    package var netns: String
    package var ifName: String
    package var args: CNIArgs
    package var path: [String]

    package init(command: CNICommand, containerID: String = "", netns: String = "", ifName: String = "",
                args: CNIArgs = CNIArgs(), path: [String] = []) {
        self.command = command
        self.containerID = containerID
        self.netns = netns
        self.ifName = ifName
        self.args = args
        self.path = path
    }

    /// Reads and validates the environment. Missing or malformed variables are code 4.
    package init(environment env: [String: String]) throws(CNIError) {
        try self.init { env[$0] }
    }

    /// Reads the variables through `env` (a lookup by name).
    package init(lookup env: (String) -> String?) throws(CNIError) {
        guard let raw = env("CNI_COMMAND"), !raw.isEmpty else { throw .invalidEnv("CNI_COMMAND is not set") }
        guard let command = CNICommand(rawValue: raw) else {
            throw .invalidEnv("unknown CNI_COMMAND \"\(raw)\"")
        }
        self.command = command
        containerID = env("CNI_CONTAINERID") ?? ""
        netns = env("CNI_NETNS") ?? ""
        ifName = env("CNI_IFNAME") ?? ""
        path = (env("CNI_PATH") ?? "").split(separator: ":").map(String.init)
        args = try CNIArgs(parsing: env("CNI_ARGS") ?? "")

        // Which variables each verb needs (SPEC section 3, "Parameters").
        switch command {
        case .add, .check:
            try Self.require("CNI_CONTAINERID", containerID)
            try Self.require("CNI_NETNS", netns)
            try Self.require("CNI_IFNAME", ifName)
        case .del:
            try Self.require("CNI_CONTAINERID", containerID)
            try Self.require("CNI_IFNAME", ifName)
        case .version, .status, .gc:
            break
        }
        // A DEL of an ID that could never have been added has nothing to undo:
        // the DEL itself decides (it succeeds), so it is not refused here.
        if !containerID.isEmpty && command != .del { try Validation.containerID(containerID) }
        if !ifName.isEmpty { try Validation.interfaceName(ifName) }
    }

    private static func require(_ name: String, _ value: String) throws(CNIError) {
        if value.isEmpty { throw .invalidEnv("required environment variable \(name) is not set") }
    }
}
