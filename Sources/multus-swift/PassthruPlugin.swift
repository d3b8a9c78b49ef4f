import CNISpec
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// `passthru`: Go Multus's cmd/passthru-cni, the head of the auxiliary CNI
/// chain (`auxiliaryCNIChainName`), which the chain needs because a conflist
/// must start with a plugin that makes a result. ADD prints an empty result in
/// the configuration's cniVersion; DEL, CHECK, STATUS and GC do nothing;
/// VERSION answers the versions Go's passthru supports. Checks and messages
/// are those of libcni's skel, which Go's passthru runs in; one difference:
/// when CNI_NETNS is this process's own namespace, skel prints the result and
/// then the error, here only the error.
enum PassthruPlugin {
    static let supported = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"]
    static let about = "Passthrough CNI Plugin v1.0"

    struct Outcome: Equatable {
        var stdout = ""
        var stderr = ""
        var status: Int32 = 0
    }

    static func main(environment: ProcessEnvironment) -> Int32 {
        let outcome = run(environment: environment.values) {
            (try? ProcessEnvironment.readStandardInput(limit: 16 << 20)) ?? []
        }
        StandardStreams.output(outcome.stdout)
        StandardStreams.error(outcome.stderr)
        return outcome.status
    }

    static func run(environment env: [String: String], stdin: () -> [UInt8]) -> Outcome {
        do throws(CNIError) {
            return Outcome(stdout: try answer(environment: env, stdin: stdin))
        } catch {
            if error.code == CNIError.invalidEnvironment && (env["CNI_COMMAND"] ?? "").isEmpty {
                return Outcome(stderr: "\(about)\nCNI protocol versions supported: \(supported.joined(separator: ", "))\n")
            }
            return Outcome(stdout: errorText(error), status: 1)
        }
    }

    /// Which variables skel requires per command (pkg/skel getCmdArgsFromEnv).
    static let required: [(name: String, commands: Set<String>)] = [
        ("CNI_COMMAND", []),
        ("CNI_CONTAINERID", ["ADD", "CHECK", "DEL"]),
        ("CNI_NETNS", ["ADD", "CHECK"]),
        ("CNI_IFNAME", ["ADD", "CHECK", "DEL"]),
        ("CNI_PATH", ["ADD", "CHECK", "DEL", "GC", "STATUS"]),
    ]

    static func answer(environment env: [String: String], stdin: () -> [UInt8]) throws(CNIError) -> String {
        let command = env["CNI_COMMAND"] ?? ""
        var missing: [String] = []
        for (name, commands) in required {
            let value = env[name] ?? ""
            if value.isEmpty {
                if name == "CNI_COMMAND" || commands.contains(command) { missing.append(name) }
            } else if commands.contains(command) {
                if name == "CNI_CONTAINERID" && !Validation.isIdentifier(value) {
                    throw CNIError(code: CNIError.invalidEnvironment, msg: "invalid characters in containerID", details: value)
                }
                if name == "CNI_IFNAME" { try interfaceName(value) }
            }
        }
        if !missing.isEmpty {
            throw .invalidEnv("required env variables [\(missing.joined(separator: ","))] missing")
        }
        if command == "VERSION" {
            let list = supported.map { JSONValue.string($0).serialized }.joined(separator: ",")
            return "{\"cniVersion\":\"1.1.0\",\"supportedVersions\":[\(list)]}\n"
        }

        let config: JSONValue
        do { config = try JSONValue(parsing: stdin()) } catch {
            throw .decoding("error unmarshall network config: \(error)")
        }
        let name = config["name"]?.stringValue ?? ""
        if name.isEmpty { throw .invalidConfig("missing network name") }
        if !Validation.isIdentifier(name) {
            throw CNIError(code: CNIError.invalidNetworkConfig, msg: "invalid characters found in network name", details: name)
        }
        let version: String
        switch config["cniVersion"] {
        case nil, .null?: version = "0.1.0"
        case .string(let text)?: version = text.isEmpty ? "0.1.0" : text
        default: throw .decoding("decoding version from network config: cniVersion is not a string")
        }

        switch command {
        case "ADD":
            try requireSupported(version)
            try checkNotOwnNamespace(env)
            return "{\n    \"cniVersion\": \(JSONValue.string(version).serialized)\n}"
        case "DEL":
            try requireSupported(version)
            try checkNotOwnNamespace(env)
        case "CHECK": try requireAtLeast(version, "0.4.0", verb: "CHECK")
        case "GC": try requireAtLeast(version, "1.1.0", verb: "GC")
        case "STATUS": try requireAtLeast(version, "1.1.0", verb: "STATUS")
        default: throw .invalidEnv("unknown CNI_COMMAND: \(command)")
        }
        return ""
    }

    static func requireSupported(_ version: String) throws(CNIError) {
        guard supported.contains(version) else {
            let list = supported.map { "\"\($0)\"" }.joined(separator: " ")
            throw CNIError(code: CNIError.incompatibleVersion, msg: "incompatible CNI versions",
                           details: "config is \"\(version)\", plugin supports [\(list)]")
        }
    }

    /// CHECK from 0.4.0, STATUS and GC from 1.1.0, and not past what the plugin speaks.
    static func requireAtLeast(_ version: String, _ minimum: String, verb: String) throws(CNIError) {
        guard let parsed = CNIVersion(version) else {
            throw .decoding("decoding version from network config: invalid version \"\(version)\"")
        }
        guard parsed >= CNIVersion(minimum)! else {
            throw CNIError(code: CNIError.incompatibleVersion, msg: "config version does not allow \(verb)")
        }
        guard supported.contains(where: { CNIVersion($0)! >= parsed }) else {
            throw CNIError(code: CNIError.incompatibleVersion, msg: "plugin version does not allow \(verb)")
        }
        try requireSupported(version)
    }

    /// libcni's utils.ValidateInterfaceName, its words.
    static func interfaceName(_ name: String) throws(CNIError) {
        let problem: (String, String)? =
            if name.utf8.count > 15 { ("interface name is too long", "interface name should be less than 16 characters") }
            else if name == "." || name == ".." { ("interface name is . or ..", "") }
            else if name.unicodeScalars.contains(where: { $0 == "/" || $0 == ":" || $0.properties.isWhitespace }) {
                ("interface name contains / or : or whitespace characters", "")
            } else { nil }
        if let (msg, details) = problem { throw CNIError(code: CNIError.invalidEnvironment, msg: msg, details: details) }
    }

    /// skel refuses to act in its own namespace unless CNI_NETNS_OVERRIDE says so.
    static func checkNotOwnNamespace(_ env: [String: String]) throws(CNIError) {
        let override = env["CNI_NETNS_OVERRIDE"] ?? ""
        guard override.uppercased() != "TRUE", override != "1", let netns = env["CNI_NETNS"], !netns.isEmpty else { return }
        var theirs = stat(), ours = stat()
        guard stat(netns, &theirs) == 0, stat("/proc/self/ns/net", &ours) == 0 else { return }
        if theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino {
            throw CNIError(code: 8, msg: "plugin's netns and netns from CNI_NETNS should not be the same")
        }
    }

    /// skel prints errors indented by four spaces, without cniVersion.
    static func errorText(_ error: CNIError) -> String {
        var lines = ["    \"code\": \(error.code)", "    \"msg\": \(JSONValue.string(error.msg).serialized)"]
        if !error.details.isEmpty { lines.append("    \"details\": \(JSONValue.string(error.details).serialized)") }
        return "{\n" + lines.joined(separator: ",\n") + "\n}"
    }
}
