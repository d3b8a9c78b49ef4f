import CNISpec
import Foundation
import KubeAPIServerDouble
import struct TestSupport.TemporaryDirectory

/// Runs one `GoMultusVectorCase` through a meta-plugin binary (ours, or Go
/// Multus's with `GO_MULTUS_BIN`): a private folder (confDir, cniDir, binDir
/// with the recording delegate), a network namespace, and — when the case has
/// Kubernetes objects — the API server double seeded with them. Returns what
/// did not match; `cleanup()` removes everything by name.
final class GoMultusVectorRun {
    let vector: GoMultusVectorCase
    let binary: String
    let goMode: Bool
    let pki: TestPKI
    let id = Harness.uniqueID()
    private let folder = TemporaryDirectory("msw-vec")
    var dir: String { folder.path }
    let netnsName: String
    private var server: KubeAPIServerDouble?
    private var hostLinks: [String] = []
    private var devinfoFiles: [String] = []
    private var failures: [String] = []
    private var eventsSeen = 0
    /// The case with its placeholders resolved.
    private var c: JSONValue = .null

    init(vector: GoMultusVectorCase, binary: String, goMode: Bool, pki: TestPKI) {
        self.vector = vector
        self.binary = binary
        self.goMode = goMode
        self.pki = pki
        netnsName = "msw-vec-\(id)"
    }

    var netnsPath: String { "/var/run/netns/\(netnsName)" }
    var binDir: String { dir + "/bin" }
    var callsDir: String { dir + "/calls" }
    /// Go Multus has no deviceInfoDir key: it always uses the host's folder.
    var deviceInfoDir: String { goMode ? "/var/run/k8s.cni.cncf.io/devinfo" : dir + "/devinfo" }
    /// Nor a kubeletRootDir: its device-plugin checkpoint is the host's.
    var kubeletRootDir: String { goMode ? "/var/lib/kubelet" : dir + "/kubelet" }
    var checkpointPath: String { kubeletRootDir + "/device-plugins/kubelet_internal_checkpoint" }
    private var wroteHostCheckpoint = false
    /// Host folders a Go-mode run created for the checkpoint, removed again (deepest first).
    private var createdHostFolders: [String] = []

    var placeholders: [String: String] {
        ["TMP": dir, "CONFDIR": dir + "/conf.d", "CNIDIR": dir + "/cni", "BINDIR": binDir, "NETNS": netnsPath,
         "KUBECONFIG": dir + "/kubeconfig", "ID": id, "DEVINFO": deviceInfoDir, "KUBELET": kubeletRootDir]
    }

    func run() async throws -> [String] {
        c = try vector.resolved(placeholders)
        for sub in ["conf.d", "cni", "bin", "calls", "replies"] {
            try FileManager.default.createDirectory(atPath: "\(dir)/\(sub)", withIntermediateDirectories: true)
        }
        try Harness.ip("netns", "add", netnsName)
        hostLinks = c["hostLinks"]?.arrayValue?.compactMap(\.stringValue) ?? []
        devinfoFiles = c["devinfoFiles"]?.arrayValue?.compactMap(\.stringValue) ?? []
        try installDelegates(c)
        for file in c["files"]?.objectValue ?? JSONObject() { try write(file.value, to: file.key) }
        for reply in c["replies"]?.objectValue ?? JSONObject() { try writeReply(reply.key, reply.value) }
        if let checkpoint = c["kubeletCheckpoint"] {
            if goMode {
                guard !FileManager.default.fileExists(atPath: checkpointPath) else {
                    throw HarnessError("\(checkpointPath) exists: not overwriting the host's device-plugin checkpoint")
                }
                wroteHostCheckpoint = true
                var folder = (checkpointPath as NSString).deletingLastPathComponent
                while !FileManager.default.fileExists(atPath: folder) {
                    createdHostFolders.append(folder)
                    folder = (folder as NSString).deletingLastPathComponent
                }
            }
            try write(.string(checkpoint.serialized), to: checkpointPath)
        }
        if c["pod"] != nil || c["nads"] != nil || c["objects"] != nil { try await startCluster(c) }

        for (index, step) in (c["steps"]?.arrayValue ?? []).enumerated() {
            try await runStep(index, step, config: c["config"])
        }
        return failures
    }

    func cleanup() async {
        await server?.shutdown()
        Harness.ipQuiet("netns", "del", netnsName)
        for link in hostLinks { Harness.ipQuiet("link", "del", link) }
        for file in devinfoFiles { try? FileManager.default.removeItem(atPath: file) }
        if wroteHostCheckpoint { try? FileManager.default.removeItem(atPath: checkpointPath) }
        for folder in createdHostFolders { rmdir(folder) }
        if ProcessInfo.processInfo.environment["VECTORS_KEEP"] == nil { folder.remove() }
    }

    // MARK: set-up

    /// Every plugin type the case names gets the recording delegate; those in
    /// `realPlugins` get a recording wrapper around the reference plugin.
    private func installDelegates(_ c: JSONValue) throws {
        let recorder = binDir + "/recorder"
        try Self.recorderScript.write(toFile: recorder, atomically: true, encoding: .utf8)
        chmod(recorder, 0o755)
        let real = Set(c["realPlugins"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        var types = Set<String>()
        Self.collectTypes(c, into: &types)
        for type in types.union(real) where !type.isEmpty && !type.contains("/") && type != "recorder" {
            let path = binDir + "/" + type
            if real.contains(type) {
                let wrapper = "#!/bin/sh\nRECORDER_TYPE=\(type) RECORDER_EXEC=\(Harness.pluginDir)/\(type) exec \"$(dirname \"$0\")/recorder\"\n"
                try wrapper.write(toFile: path, atomically: true, encoding: .utf8)
                chmod(path, 0o755)
            } else {
                try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "recorder")
            }
        }
    }

    /// `type` members anywhere in the case, NAD configs (strings) included.
    static func collectTypes(_ value: JSONValue, into types: inout Set<String>) {
        switch value {
        case .object(let o):
            for member in o {
                if member.key == "type", let type = member.value.stringValue { types.insert(type) }
                collectTypes(member.value, into: &types)
            }
        case .array(let a): for item in a { collectTypes(item, into: &types) }
        case .string(let s) where s.hasPrefix("{"):
            if let parsed = try? JSONValue(parsing: s) { collectTypes(parsed, into: &types) }
        default: break
        }
    }

    private func write(_ content: JSONValue, to path: String) throws {
        let full = path.hasPrefix("/") ? path : dir + "/" + path
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let text = content.stringValue ?? content.pretty
        try text.write(toFile: full, atomically: true, encoding: .utf8)
    }

    /// `"ADD net1"`, `"ADD eth0 portmap"` or `"STATUS"` → `{"result": …}` or `{"error": {…}}`.
    private func writeReply(_ key: String, _ reply: JSONValue) throws {
        let name = key.split(separator: " ").joined(separator: "-") + (key.contains(" ") ? "" : "-")
        let path = dir + "/replies/" + name
        if let error = reply["error"] {
            var object = error.objectValue ?? JSONObject()
            if object["cniVersion"] == nil { object["cniVersion"] = "1.0.0" }
            try JSONValue.object(object).serialized.write(toFile: path, atomically: true, encoding: .utf8)
            try "1".write(toFile: path + ".exit", atomically: true, encoding: .utf8)
        } else if let result = reply["result"] {
            try result.serialized.write(toFile: path, atomically: true, encoding: .utf8)
        } else {
            try "".write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    private func startCluster(_ c: JSONValue) async throws {
        let server = try await KubeAPIServerDouble.start(pki: pki)
        self.server = server
        if let pod = c["pod"] { server.seed(Self.podManifest(pod)) }
        for nad in c["nads"]?.arrayValue ?? [] { server.seed(Self.nadManifest(nad)) }
        for object in c["objects"]?.arrayValue ?? [] { server.seed(object) }
        try server.writeKubeconfig(to: dir + "/kubeconfig", credential: .token("test-token"))
    }

    /// Go's testhelpers.NewFakePod: pod `testpod` in `test` with UID `testUID`.
    static func podManifest(_ pod: JSONValue) -> JSONValue {
        var metadata = JSONObject([("name", pod["name"] ?? "testpod"), ("namespace", pod["namespace"] ?? "test"),
                                   ("uid", pod["uid"] ?? "testUID"), ("annotations", pod["annotations"] ?? [:])])
        if let labels = pod["labels"] { metadata["labels"] = labels }
        var manifest: JSONValue = ["apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata),
                                   "spec": pod["spec"] ?? ["nodeName": "node-1", "containers": [["name": "ctr1", "image": "image"]]]]
        if let status = pod["status"] { manifest["status"] = status }
        return manifest
    }

    static func nadManifest(_ nad: JSONValue) -> JSONValue {
        let config: JSONValue = nad["config"].map { $0.stringValue.map(JSONValue.string) ?? .string($0.serialized) } ?? ""
        var metadata = JSONObject([("name", nad["name"] ?? ""), ("namespace", nad["namespace"] ?? "test")])
        if let annotations = nad["annotations"] { metadata["annotations"] = annotations }
        return ["apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition", "metadata": .object(metadata),
                "spec": ["config": config]]
    }

    // MARK: one CNI call

    private func runStep(_ index: Int, _ step: JSONValue, config: JSONValue?) async throws {
        let command = step["command"]?.stringValue ?? "ADD"
        let label = "step \(index + 1) (\(command))"
        for path in step["removeFiles"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
            try? FileManager.default.removeItem(atPath: path)
        }
        for file in step["writeFiles"]?.objectValue ?? JSONObject() { try write(file.value, to: file.key) }
        if step["deletePod"] == true, let server, let pod = c["pod"] {
            server.deleteObject(at: Self.podPath(pod))
        }
        for file in try FileManager.default.contentsOfDirectory(atPath: callsDir) {
            try FileManager.default.removeItem(atPath: callsDir + "/" + file)
        }
        server?.resetCounters()

        var env = ["CNI_COMMAND": command, "CNI_CONTAINERID": "123456789", "CNI_NETNS": netnsPath, "CNI_IFNAME": "eth0",
                   "CNI_PATH": binDir, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
        for (key, name) in [("containerID", "CNI_CONTAINERID"), ("netns", "CNI_NETNS"), ("ifName", "CNI_IFNAME"),
                            ("args", "CNI_ARGS"), ("path", "CNI_PATH")] {
            switch step[key] {
            case .string(let value)?: env[name] = value
            case .null?: env[name] = nil
            default: break
            }
        }
        let stdin: String
        if let raw = step["stdin"]?.stringValue {
            stdin = raw
        } else {
            stdin = completed(step["config"] ?? config ?? [:]).serialized
        }
        let output = try Harness.run(binary, [], environment: env, stdin: stdin)

        var expect = step["expect"]?.objectValue ?? JSONObject()
        if goMode, let overrides = step["go"]?.objectValue {
            for member in overrides { expect[member.key] = member.value == "*" ? nil : member.value }
        }
        check(expect, output: output, label: label)
    }

    /// Keeps every case inside its folder: binDir, cniDir and confDir default
    /// to the private ones, and our device folders too (Go ignores those keys).
    private func completed(_ config: JSONValue) -> JSONValue {
        guard case .object(var o) = config else { return config }
        if o["binDir"] == nil { o["binDir"] = .string(binDir) }
        if o["cniDir"] == nil { o["cniDir"] = .string(dir + "/cni") }
        if o["confDir"] == nil { o["confDir"] = .string(dir + "/conf.d") }
        if !goMode {
            if o["deviceInfoDir"] == nil { o["deviceInfoDir"] = .string(deviceInfoDir) }
            if o["kubeletRootDir"] == nil { o["kubeletRootDir"] = .string(dir + "/kubelet") }
        }
        return .object(o)
    }

    static func podPath(_ pod: JSONValue) -> String {
        "/api/v1/namespaces/\(pod["namespace"]?.stringValue ?? "test")/pods/\(pod["name"]?.stringValue ?? "testpod")"
    }

    // MARK: what happened

    struct Call {
        var env: [String: String]
        var stdin: JSONValue?
        var raw: String
    }

    func recordedCalls() -> [Call] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: callsDir)) ?? []).filter { $0.hasSuffix(".stdin") }.sorted()
        return files.map { file in
            let stem = String(file.dropLast(".stdin".count))
            let raw = (try? String(contentsOfFile: "\(callsDir)/\(file)", encoding: .utf8)) ?? ""
            let envText = (try? String(contentsOfFile: "\(callsDir)/\(stem).env", encoding: .utf8)) ?? ""
            var env: [String: String] = [:]
            for line in envText.split(separator: "\n") {
                guard let eq = line.firstIndex(of: "=") else { continue }
                env[String(line[..<eq])] = String(line[line.index(after: eq)...])
            }
            return Call(env: env, stdin: try? JSONValue(parsing: raw), raw: raw)
        }
    }

    private func fail(_ label: String, _ what: String) { failures.append("\(label): \(what)") }

    private func check(_ expect: JSONObject, output: Harness.Output, label: String) {
        let stdoutJSON = output.json
        let context = "stdout: \(output.stdout.prefix(600))"
        if let error = expect["error"] {
            if output.status == 0 { fail(label, "expected a failure, got success; \(context)") }
            if let code = error["code"], code != .null {
                if stdoutJSON?["code"].flatMap({ Double($0.serialized) }) != Double(code.serialized) {
                    fail(label, "expected error code \(code.serialized), got \(stdoutJSON?["code"]?.serialized ?? "none"); \(context)")
                }
            }
            let msg = stdoutJSON?["msg"]?.stringValue ?? ""
            let wanted = error["msg"].map { $0.arrayValue ?? [$0] }?.compactMap(\.stringValue) ?? []
            for part in wanted where !msg.contains(part) { fail(label, "error message lacks \(part.debugDescription): \(msg.debugDescription)") }
            if let exact = error["msgExact"]?.stringValue, exact != msg { fail(label, "error message is \(msg.debugDescription), expected \(exact.debugDescription)") }
        } else if output.status != 0 {
            fail(label, "failed (exit \(output.status)); \(context); stderr: \(output.stderr.suffix(400))")
        }
        if let result = expect["result"] {
            for m in JSONMatching.mismatches(expected: JSONMatching.withoutEmptyDNS(result),
                                             actual: stdoutJSON.map(JSONMatching.withoutEmptyDNS), exact: true, at: "result") {
                fail(label, m)
            }
        }
        if let result = expect["resultHas"] {
            for m in JSONMatching.mismatches(expected: result, actual: stdoutJSON, exact: false, at: "result") { fail(label, m) }
        }
        if expect["stdoutEmpty"] == true, !output.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            fail(label, "expected no output; \(context)")
        }
        if let calls = expect["calls"]?.arrayValue { checkCalls(calls, label: label) }
        if let count = expect["callCount"]?.intValue, recordedCalls().count != count {
            fail(label, "expected \(count) delegate call(s), got \(recordedCalls().count): \(describe(recordedCalls()))")
        }
        for command in expect["forbidCommands"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
            let calls = recordedCalls().filter { $0.env["CNI_COMMAND"] == command }
            if !calls.isEmpty { fail(label, "unexpected \(command) call(s): \(describe(calls))") }
        }
        if let cache = expect["scratchCache"] { checkScratchCache(cache, label: label) }
        for file in expect["fileContains"]?.objectValue ?? JSONObject() {
            let text = (try? String(contentsOfFile: file.key, encoding: .utf8)) ?? ""
            for part in file.value.arrayValue?.compactMap(\.stringValue) ?? [] where !text.contains(part) {
                fail(label, "\(file.key) lacks \(part.debugDescription): \(text.suffix(300).debugDescription)")
            }
        }
        for file in expect["files"]?.objectValue ?? JSONObject() {
            let exists = FileManager.default.fileExists(atPath: file.key)
            if exists != (file.value == true) { fail(label, "\(file.key) \(exists ? "exists" : "is missing")") }
        }
        if let status = expect["networkStatus"] { checkNetworkStatus(status, label: label) }
        for entry in expect["cachedDefaultGateways"]?.objectValue ?? JSONObject() {
            let gateways = cachedDefaultGateways(entry.key)
            let wanted = entry.value.arrayValue?.compactMap(\.stringValue)
            if gateways != wanted { fail(label, "default routes in the cached result \(entry.key): \(gateways.map(\.description) ?? "no cache file"), expected \(wanted ?? [])") }
        }
        for entry in expect["netnsDefaultRoutes"]?.objectValue ?? JSONObject() {
            let routes = netnsDefaultRoutes(family: entry.key)
            let wanted = entry.value.arrayValue?.compactMap(\.stringValue) ?? []
            if routes != wanted { fail(label, "IPv\(entry.key) default routes in the pod namespace: \(routes), expected \(wanted)") }
        }
        if let events = expect["events"]?.arrayValue { checkEvents(events, label: label) }
        for request in expect["requests"]?.objectValue ?? JSONObject() {
            let parts = request.key.split(separator: " ", maxSplits: 1).map(String.init)
            let seen = server?.requestCount(method: parts[0], pathPrefix: parts.count > 1 ? parts[1] : "/") ?? 0
            if seen != request.value.intValue { fail(label, "\(request.key): \(seen) request(s), expected \(request.value.serialized)") }
        }
    }

    private func describe(_ calls: [Call]) -> String {
        calls.map { "\($0.env["CNI_COMMAND"] ?? "?") \($0.env["RECORDER_TYPE"] ?? "?") \($0.env["CNI_IFNAME"] ?? "-")" }
            .joined(separator: ", ")
    }

    private func checkCalls(_ expected: [JSONValue], label: String) {
        let calls = recordedCalls()
        guard calls.count == expected.count else {
            fail(label, "expected \(expected.count) delegate call(s), got \(calls.count): [\(describe(calls))]")
            return
        }
        for (i, (want, call)) in zip(expected, calls).enumerated() {
            let where_ = "call \(i + 1) (\(describe([call])))"
            for (key, envName) in [("command", "CNI_COMMAND"), ("type", "RECORDER_TYPE"), ("ifName", "CNI_IFNAME"),
                                   ("args", "CNI_ARGS"), ("netns", "CNI_NETNS"), ("containerID", "CNI_CONTAINERID")] {
                guard let value = want[key] else { continue }
                let have = call.env[envName]
                if value == .null ? have != nil : have != value.stringValue {
                    fail(label, "\(where_): \(envName) is \(have?.debugDescription ?? "unset"), expected \(value.serialized)")
                }
            }
            for part in want["argsHas"]?.arrayValue?.compactMap(\.stringValue) ?? [] where !(call.env["CNI_ARGS"] ?? "").contains(part) {
                fail(label, "\(where_): CNI_ARGS \((call.env["CNI_ARGS"] ?? "").debugDescription) lacks \(part.debugDescription)")
            }
            for part in want["argsLacks"]?.arrayValue?.compactMap(\.stringValue) ?? [] where (call.env["CNI_ARGS"] ?? "").contains(part) {
                fail(label, "\(where_): CNI_ARGS \((call.env["CNI_ARGS"] ?? "").debugDescription) has \(part.debugDescription)")
            }
            var stdin = call.stdin
            stdin?["prevResult"] = nil
            if let config = want["config"] {
                for m in JSONMatching.mismatches(expected: config, actual: stdin, exact: true, at: "stdin") { fail(label, "\(where_): \(m)") }
            }
            if let config = want["configHas"] {
                for m in JSONMatching.mismatches(expected: config, actual: stdin, exact: false, at: "stdin") { fail(label, "\(where_): \(m)") }
            }
            if let prev = want["prevResultHas"] {
                for m in JSONMatching.mismatches(expected: prev, actual: call.stdin?["prevResult"], exact: false, at: "prevResult") {
                    fail(label, "\(where_): \(m)")
                }
            }
        }
    }

    /// Go's saveDelegates list; `Bytes` (base64 of the delegate config) is compared decoded.
    private func checkScratchCache(_ expected: JSONValue, label: String) {
        let path = dir + "/cni/123456789"
        let text = try? String(contentsOfFile: path, encoding: .utf8)
        switch expected {
        case .null: if text != nil { fail(label, "scratch cache \(path) exists: \(text!.prefix(300))") }
        case .bool(let present): if (text != nil) != present { fail(label, "scratch cache \(path) \(present ? "missing" : "exists")") }
        default:
            guard let text, var list = (try? JSONValue(parsing: text))?.arrayValue else {
                fail(label, "scratch cache \(path) missing or not a JSON list: \(text?.prefix(300) ?? "")")
                return
            }
            for i in list.indices {
                if let encoded = list[i]["Bytes"]?.stringValue, let bytes = Base64.decode(encoded),
                   let decoded = try? JSONValue(parsing: bytes) {
                    list[i]["Bytes"] = decoded
                }
            }
            for m in JSONMatching.mismatches(expected: expected, actual: .array(list), exact: false, at: "scratchCache") { fail(label, m) }
        }
    }

    private func checkNetworkStatus(_ expected: JSONValue, label: String) {
        guard let server, let pod = c["pod"] else { return fail(label, "networkStatus needs a pod") }
        let text = server.object(at: Self.podPath(pod))?["metadata"]?["annotations"]?["k8s.v1.cni.cncf.io/network-status"]?.stringValue
        if expected == .null {
            if let text { fail(label, "network-status written: \(text)") }
            return
        }
        guard let text, let status = try? JSONValue(parsing: text) else {
            let requests = server.requests.map { "\($0.method) \($0.path)" }.joined(separator: ", ")
            return fail(label, "no network-status on the pod (requests: \(requests))")
        }
        for m in JSONMatching.mismatches(expected: JSONMatching.withoutEmptyDNS(expected), actual: JSONMatching.withoutEmptyDNS(status),
                                         exact: false, at: "networkStatus") {
            fail(label, m)
        }
    }

    /// The gateways of the default routes in libcni's cached result `<cniDir>/results/<network>-123456789-<ifname>`
    /// (any result version: `routes`, or `ip4`/`ip6` `routes`), sorted.
    private func cachedDefaultGateways(_ networkAndIf: String) -> [String]? {
        let cniDir = completed(c["config"] ?? [:])["cniDir"]?.stringValue ?? dir + "/cni"
        let dash = networkAndIf.lastIndex(of: "-") ?? networkAndIf.endIndex
        let file = "\(cniDir)/results/\(networkAndIf[..<dash])-123456789\(networkAndIf[dash...])"
        guard let text = try? String(contentsOfFile: file, encoding: .utf8), let cached = try? JSONValue(parsing: text) else { return nil }
        let result = cached["result"] ?? .null
        let routes = (result["routes"]?.arrayValue ?? []) + (result["ip4"]?["routes"]?.arrayValue ?? [])
            + (result["ip6"]?["routes"]?.arrayValue ?? [])
        return routes.filter { ["0.0.0.0/0", "::/0"].contains($0["dst"]?.stringValue ?? "") }
            .map { $0["gw"]?.stringValue ?? "(none)" }.sorted()
    }

    /// `via <gw> dev <if>` for each default route of the family ("4" or "6") in the pod's namespace, sorted.
    private func netnsDefaultRoutes(family: String) -> [String] {
        let out = (try? Harness.run("/usr/sbin/ip", ["-n", netnsName, "-\(family)", "route", "show", "default"]).stdout) ?? ""
        return out.split(separator: "\n").map { line -> String in
            let words = line.split(separator: " ").map(String.init)
            func after(_ word: String) -> String { words.firstIndex(of: word).map { $0 + 1 < words.count ? words[$0 + 1] : "" } ?? "" }
            return "via \(after("via")) dev \(after("dev"))"
        }.sorted()
    }

    /// The events posted during this step, as `"<type> <reason> <message>"`.
    private func checkEvents(_ expected: [JSONValue], label: String) {
        guard let server else { return fail(label, "events need a pod") }
        let namespace = c["pod"]?["namespace"]?.stringValue ?? "test"
        let all = server.objects(in: "/api/v1/namespaces/\(namespace)/events")
            .sorted { Int($0["metadata"]?["resourceVersion"]?.stringValue ?? "") ?? 0 < Int($1["metadata"]?["resourceVersion"]?.stringValue ?? "") ?? 0 }
            .map { "\($0["type"]?.stringValue ?? "") \($0["reason"]?.stringValue ?? "") \($0["message"]?.stringValue ?? $0["note"]?.stringValue ?? "")" }
        let new = Array(all.dropFirst(eventsSeen))
        eventsSeen = all.count
        // Compared as a set: multus-swift posts a pod's events concurrently, so their order is not fixed.
        let wanted = expected.compactMap(\.stringValue)
        if new.sorted() != wanted.sorted() { fail(label, "events \(new), expected \(wanted)") }
    }

    /// The recording delegate: saves each call's CNI_* environment and stdin
    /// under calls/NNN.{env,stdin}, answers from replies/<COMMAND>-<IFNAME>[-<type>]
    /// (plus .exit for a failure) or else, for ADD, with a result in the
    /// config's cniVersion naming CNI_IFNAME in CNI_NETNS. With RECORDER_EXEC it
    /// hands the call to that plugin after recording it.
    static let recorderScript = #"""
    #!/bin/sh
    base="$(cd "$(dirname "$0")/.." && pwd)"
    type="${RECORDER_TYPE:-$(basename "$0")}"
    calls="$base/calls"
    n=$(ls "$calls" | grep -c '\.stdin$')
    n=$(printf '%03d' "$n")
    env | grep '^CNI_' > "$calls/$n.env"
    printf 'RECORDER_TYPE=%s\n' "$type" >> "$calls/$n.env"
    cat > "$calls/$n.stdin"
    if [ -n "$RECORDER_EXEC" ]; then exec "$RECORDER_EXEC" < "$calls/$n.stdin"; fi
    for reply in "$base/replies/$CNI_COMMAND-$CNI_IFNAME-$type" "$base/replies/$CNI_COMMAND-$CNI_IFNAME"; do
      if [ -f "$reply" ]; then
        cat "$reply"
        if [ -f "$reply.exit" ]; then exit "$(cat "$reply.exit")"; fi
        exit 0
      fi
    done
    case "$CNI_COMMAND" in
    ADD)
      v=$(grep -o '"cniVersion"[[:space:]]*:[[:space:]]*"[^"]*"' "$calls/$n.stdin" | head -n 1 | sed 's/.*"\([^"]*\)"$/\1/')
      a="192.0.2.$((1$n - 1000 + 10))"
      case "$v" in
      0.1.0|0.2.0) printf '{"cniVersion":"%s","ip4":{"ip":"%s/24"}}' "$v" "$a" ;;
      0.3.0|0.3.1|0.4.0) printf '{"cniVersion":"%s","interfaces":[{"name":"%s","sandbox":"%s"}],"ips":[{"version":"4","address":"%s/24","interface":0}]}' "$v" "$CNI_IFNAME" "$CNI_NETNS" "$a" ;;
      *) printf '{"cniVersion":"%s","interfaces":[{"name":"%s","sandbox":"%s"}],"ips":[{"address":"%s/24","interface":0}]}' "${v:-1.0.0}" "$CNI_IFNAME" "$CNI_NETNS" "$a" ;;
      esac ;;
    VERSION)
      printf '{"cniVersion":"1.1.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}' ;;
    esac
    exit 0
    """#
}
