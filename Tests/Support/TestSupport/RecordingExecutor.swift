import CNISpec
import Delegation
import Synchronization

/// One delegate plugin execution as the executor saw it.
package struct RecordedCall: Sendable {
    package var path: String
    package var environment: [String]
    package var stdin: JSONValue

    /// The binary's file name, i.e. the plugin type.
    package var type: String { path.split(separator: "/").last.map(String.init) ?? path }
    /// Every value of `key` in the environment (a correct environment has one).
    package func values(_ key: String) -> [String] {
        environment.filter { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }
    package func value(_ key: String) -> String? { values(key).first }
    package var command: String? { value("CNI_COMMAND") }
    package var ifName: String? { value("CNI_IFNAME") }
    package var args: String? { value("CNI_ARGS") }
}

/// Stands in for plugin processes: records every execution; ADD answers with
/// a result in the config's version (the address `ips[type]`, else one derived
/// from the plugin type), other verbs with nothing; `failures["type/VERB"]`
/// overrides, and `onRun` sees each call before it is answered (to look at the
/// disk at that moment).
package final class RecordingExecutor: PluginExecuting {
    private let log = Mutex<[RecordedCall]>([])
    private let ips: [String: String]
    private let failures: Mutex<[String: PluginOutput]>
    let onRun: (@Sendable (RecordedCall) -> Void)?

    package init(ips: [String: String] = [:], failures: [String: PluginOutput] = [:],
                 onRun: (@Sendable (RecordedCall) -> Void)? = nil) {
        self.ips = ips
        self.failures = Mutex(failures)
        self.onRun = onRun
    }

    package func setFailure(_ key: String, _ output: PluginOutput?) { failures.withLock { $0[key] = output } }

    package func run(_ invocation: PluginInvocation) throws(CNIError) -> PluginOutput {
        let call = RecordedCall(path: invocation.path, environment: invocation.environment,
                                stdin: (try? JSONValue(parsing: invocation.stdin)) ?? .null)
        log.withLock { $0.append(call) }
        onRun?(call)
        if let failure = failures.withLock({ $0["\(call.type)/\(call.command ?? "")"] }) { return failure }
        guard call.command == "ADD" else { return PluginOutput(status: 0, stdout: [], stderr: []) }
        let result = Self.result(version: call.stdin["cniVersion"]?.stringValue ?? "1.0.0", ifName: call.ifName ?? "",
                                 ip: ips[call.type] ?? "10.1.\(call.type.utf8.count).2/24")
        return PluginOutput(status: 0, stdout: result.serializedBytes, stderr: [])
    }

    /// The result an ADD answers with.
    package static func result(version: String, ifName: String, ip: String) -> JSONValue {
        .object(JSONObject([
            ("cniVersion", .string(version)),
            ("interfaces", [["name": .string(ifName), "sandbox": "/var/run/netns/pod"]]),
            ("ips", [["address": .string(ip), "interface": 0]]),
        ]))
    }

    package var calls: [RecordedCall] { log.withLock { $0 } }
    package func calls(_ command: String) -> [RecordedCall] { calls.filter { $0.command == command } }
    /// "VERB type@ifname" for each call, in order.
    package var trace: [String] { calls.map { "\($0.command ?? "?") \($0.type)@\($0.ifName ?? "")" } }

    package static func error(code: Int, msg: String, details: String = "") -> PluginOutput {
        PluginOutput(status: 1, stdout: CNIError(code: code, msg: msg, details: details).json(cniVersion: "1.0.0").serializedBytes,
                     stderr: [])
    }
}
