import CNISpec

/// Executes one plugin for one verb and turns its output into a value or a CNI
/// error, with libcni's rules for what a failure message is.
package struct PluginInvoker: Sendable {
    package var executor: any PluginExecuting
    package var locator: PluginLocator
    /// The environment the plugin inherits (our own, minus CNI_*).
    package var baseEnvironment: [String]
    package var timeout: Duration

    package init(executor: any PluginExecuting = ProcessPluginExecutor(), locator: PluginLocator,
                baseEnvironment: [String], timeout: Duration = .seconds(60)) {
        self.executor = executor
        self.locator = locator
        self.baseEnvironment = baseEnvironment.filter { !$0.hasPrefix("CNI_") }
        self.timeout = timeout
    }

    /// Runs `type` with `command`; returns stdout parsed as JSON (nil when empty).
    package func invoke(type: String, command: CNICommand, config: JSONValue, rt: RuntimeConf) throws(CNIError) -> JSONValue? {
        let path = try locator.locate(type: type)
        let env = baseEnvironment + [
            "CNI_COMMAND=\(command.rawValue)",
            "CNI_CONTAINERID=\(rt.containerID)",
            "CNI_NETNS=\(rt.netns)",
            "CNI_IFNAME=\(rt.ifName)",
            "CNI_ARGS=\(rt.args.text)",
            "CNI_PATH=\(locator.directories.joined(separator: ":"))",
        ]
        let output = try executor.run(PluginInvocation(path: path, environment: env, stdin: config.serializedBytes, timeout: timeout))
        guard output.status == 0 else { throw Self.failure(output) }
        if output.stdout.allSatisfy({ [0x20, 0x0A, 0x0D, 0x09].contains($0) }) { return nil }
        do {
            return try JSONValue(parsing: output.stdout)
        } catch {
            throw .decoding("plugin \(type) printed a result that is not JSON: \(error)",
                            details: String(decoding: output.stdout.prefix(512), as: UTF8.self))
        }
    }

    /// The plugin's own error object when stdout holds one; else its stderr.
    static func failure(_ output: PluginOutput) -> CNIError {
        if let json = try? JSONValue(parsing: output.stdout), let error = CNIError(json: json) {
            return error
        }
        let stderr = String(decoding: output.stderr, as: UTF8.self).trimmingSpace
        if !stderr.isEmpty { return CNIError(code: CNIError.multusInternal, msg: "netplugin failed: \"\(stderr)\"") }
        return CNIError(code: CNIError.multusInternal, msg: "netplugin failed with no error message: exit status \(output.status)")
    }
}
