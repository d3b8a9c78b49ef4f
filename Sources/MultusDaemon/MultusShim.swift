import CNISpec
import MultusCore
import MultusLogging
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// `multus-shim`: the CNI plugin of thick mode. It sends the runtime's request
/// (its whole environment and the configuration) to the daemon on
/// `<daemonSocketDir>/multus.sock` (Go's default /run/multus/) and prints the
/// answer in the configuration's cniVersion.
///
/// Where Go's shim waits up to 60 s for a daemon, this one waits 5 s and
/// fails with a CNI error naming the socket: the kubelet retries sandbox
/// creation anyway, and a 60 s wait holds one of its workers. A DEL that
/// finds no daemon is done here, from the on-disk caches, by the thin
/// plugin's DEL (the same binary), so nothing leaks; Go's shim answers
/// success and frees nothing.
package enum MultusShim {
    package static let defaultSocketDir = "/run/multus/"
    /// How long ADD, CHECK, STATUS and GC wait for a daemon to accept.
    package static let daemonWait: Duration = .seconds(5)
    /// How long an answer may take (the daemon's own deadline is 90 s).
    package static let answerWait: Duration = .seconds(150)
    static let about = "meta-plugin that delegates to other CNI plugins"

    package static func main(arguments: [String], environment: ProcessEnvironment, version: String) -> Int32 {
        if let flag = arguments.first, ["-version", "--version", "-v", "--v"].contains(flag) {
            StandardStreams.output("multus-shim: multus-swift \(version)\n")
            return 0
        }
        guard environment["CNI_COMMAND"] != nil else {
            StandardStreams.error("\(about)\nCNI protocol versions supported: \(CNIVersion.supported.map(\.description).joined(separator: ", "))\n")
            return 0
        }
        let outcome = run(environment: environment) { () throws(SystemError) in
            try ProcessEnvironment.readStandardInput(limit: CNIEntryPoint.maximumConfigBytes)
        }
        if !outcome.stdout.isEmpty { StandardStreams.output(outcome.stdout + "\n") }
        return outcome.exitStatus
    }

    package static func run(environment: ProcessEnvironment, stdin: () throws(SystemError) -> [UInt8]) -> CNIEntryPoint.Outcome {
        let read = Result { () throws(SystemError) in try stdin() }
        let command = environment["CNI_COMMAND"] ?? ""
        // VERSION and a broken environment need no daemon: the thin entry point answers them.
        guard ["ADD", "DEL", "CHECK", "STATUS", "GC"].contains(command), let bytes = try? read.get(),
              let json = try? JSONValue(parsing: bytes), json.objectValue != nil else {
            return CNIEntryPoint.run(environment: environment, stdin: { () throws(SystemError) in try read.get() })
        }
        let version = json["cniVersion"]?.stringValue.flatMap(CNIVersion.init).flatMap { $0.isSupported ? $0 : nil } ?? .v1_0_0
        let socketDir = json["daemonSocketDir"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? defaultSocketDir
        let socket = Paths.join(socketDir, "multus.sock")

        do throws(CNIError) {
            let answer: HTTPWire.Response
            do {
                answer = try exchange(socket: socket, environment: environment, config: bytes,
                                      wait: command == "DEL" ? .zero : daemonWait)
            } catch {
                // No daemon (or it died on us): a DEL is done here, from the caches.
                if command == "DEL" { return CNIEntryPoint.run(environment: environment, stdin: { bytes }) }
                throw error
            }
            if answer.status != 200 {
                let body = try? JSONValue(parsing: answer.body)
                if let error = body.flatMap(CNIError.init(json:)), !error.msg.isEmpty { throw error }
                throw CNIError(code: CNIError.multusInternal,
                               msg: "CNI request failed with status \(answer.status): '\(String(decoding: answer.body, as: UTF8.self))'")
            }
            guard command == "ADD" else { return CNIEntryPoint.Outcome(stdout: "", exitStatus: 0) }
            let response: JSONValue
            do { response = try JSONValue(parsing: answer.body) } catch {
                throw CNIError.decoding("failed to unmarshal response '\(String(decoding: answer.body, as: UTF8.self))': \(error)")
            }
            guard let result = response["Result"], !result.isNull else {
                throw CNIError(code: CNIError.multusInternal, msg: "multus-daemon answered ADD without a result")
            }
            let printed = try CNIResult.convert(result, from: .v1_0_0, to: version)
            return CNIEntryPoint.Outcome(stdout: printed.serialized, exitStatus: 0)
        } catch {
            let failure = error.prefixed("\(commandName(command)) (shim)")
            if let settings = try? LogSettings(config: json), settings.logFile != nil {
                MultusLogging.logFailure(failure.description, settings: settings,
                                         logger: MultusLogging.makeLogger(settings: settings, label: "multus-shim"))
            }
            return CNIEntryPoint.Outcome(stdout: failure.json(cniVersion: version.description).serialized, exitStatus: 1)
        }
    }

    static func commandName(_ command: String) -> String {
        "Cmd" + command.prefix(1) + command.dropFirst().lowercased()
    }

    /// Connects (retrying for `wait` while nobody listens), sends the request, reads the answer.
    static func exchange(socket path: String, environment: ProcessEnvironment, config: [UInt8],
                         wait: Duration) throws(CNIError) -> HTTPWire.Response {
        let clock = SystemTime()
        let giveUp = clock.now + wait
        var connection: StreamSocket?
        while connection == nil {
            do { connection = try StreamSocket.connect(unixPath: path, timeout: .seconds(1)) } catch {
                guard clock.now < giveUp else {
                    throw CNIError(code: CNIError.tryAgainLater,
                                   msg: "multus-daemon is not answering on \(path) (waited \(wait.milliseconds / 1000) s): \(error.message)",
                                   details: "is the multus-daemon pod running on this node? The container runtime retries the pod sandbox")
                }
                clock.sleep(for: .milliseconds(100))
            }
        }
        let socket = connection!
        defer { socket.close() }
        var env = JSONObject()
        for entry in environment.entries {
            guard let eq = entry.utf8.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let key = String(entry[..<eq])
            if !key.isEmpty { env[key] = .string(String(entry[entry.utf8.index(after: eq)...])) }
        }
        let body: JSONValue = ["env": .object(env), "config": .string(Base64.encode(config))]
        do {
            try socket.send(HTTPWire.request(method: "POST", path: "/cni", contentType: "application/json",
                                             body: body.serializedBytes), until: clock.now + .seconds(10))
            return try HTTPWire.readResponse(socket, until: clock.now + answerWait, maximumBody: 64 << 20)
        } catch {
            throw CNIError(code: CNIError.tryAgainLater, msg: "failed to send CNI request to multus-daemon on \(path): \(error.message)")
        }
    }
}
