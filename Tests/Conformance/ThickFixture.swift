import CNISpec
import Foundation
import Glibc
import KubeAPIServerDouble
import Synchronization
import TestSupport

/// Thick mode end to end: the binary as `multus-daemon` from a daemon config
/// in temporary folders (its socket, the shim config it writes, caches, log),
/// against the API server double; the binary as `multus-shim` called the way a
/// runtime calls a conflist's plugin. Every daemon started is stopped by PID.
final class ThickFixture: @unchecked Sendable {
    let sandbox: Sandbox
    let fixture: PodNetworksFixture
    let server: KubeAPIServerDouble
    let dir: String
    var socketDir: String { dir + "/run" }
    var netd: String { dir + "/net.d" }
    var shim: String { dir + "/bin/multus-shim" }
    var daemonBinary: String { dir + "/bin/multus-daemon" }
    var daemonConfigPath: String { dir + "/daemon-config.json" }
    var logPath: String { dir + "/daemon.log" }
    let metricsPort = ThickFixture.unusedPort()
    private(set) var daemon: ChildProcess?

    var podPath: String { "/api/v1/namespaces/\(fixture.podNamespace)/pods/\(fixture.podName)" }

    /// What it made before a failure is removed again: no caller holds it yet.
    static func make(extraConfig: [String: JSONValue] = [:]) async throws -> ThickFixture {
        let sandbox = try Sandbox()
        let fixture = PodNetworksFixture(sandbox: sandbox)
        let server: KubeAPIServerDouble
        do {
            let pki = try KubeAPIServerDouble.makeTestPKI(in: sandbox.dir + "/pki")
            server = try await KubeAPIServerDouble.start(pki: pki)
        } catch {
            sandbox.remove()
            throw error
        }
        _ = server.seed(fixture.pod())
        _ = server.seed(fixture.macvlanNAD)
        _ = server.seed(fixture.routedNAD)
        let thick = ThickFixture(sandbox: sandbox, fixture: fixture, server: server)
        do {
            try thick.layOut(extraConfig: extraConfig)
        } catch {
            await thick.remove()
            throw error
        }
        return thick
    }

    private init(sandbox: Sandbox, fixture: PodNetworksFixture, server: KubeAPIServerDouble) {
        self.sandbox = sandbox
        self.fixture = fixture
        self.server = server
        dir = sandbox.dir + "/thick"
    }

    private func layOut(extraConfig: [String: JSONValue]) throws {
        let fm = FileManager.default
        for folder in [dir + "/bin", netd] { try fm.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        try fm.createSymbolicLink(atPath: shim, withDestinationPath: Harness.binary)
        try fm.createSymbolicLink(atPath: daemonBinary, withDestinationPath: Harness.binary)
        try "test-token\n".write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        try server.writeKubeconfig(to: dir + "/kubeconfig", credential: .tokenFile(dir + "/token"))
        try fixture.clusterNetwork.pretty.write(toFile: netd + "/10-cluster.conf", atomically: true, encoding: .utf8)
        var config = JSONObject([
            ("chrootDir", "/"), ("cniVersion", "1.0.0"), ("logLevel", "debug"), ("logToStderr", false),
            ("logFile", .string(logPath)), ("cniConfigDir", .string(netd)), ("multusAutoconfigDir", .string(netd)),
            ("multusConfigFile", "auto"), ("socketDir", .string(socketDir)), ("daemonSocketDir", .string(socketDir)),
            ("kubeconfig", .string(dir + "/kubeconfig")), ("cniDir", .string(sandbox.cniDir)),
            ("confDir", .string(sandbox.confDir)), ("binDir", .string(Harness.pluginDir)), ("metricsPort", .int(metricsPort)),
        ])
        for (key, value) in extraConfig { config[key] = value }
        try JSONValue.object(config).pretty.write(toFile: daemonConfigPath, atomically: true, encoding: .utf8)
    }

    private static let nextPort = Mutex(Int.random(in: 20_000..<31_000))

    /// A TCP port nothing listens on now, below the kernel's ephemeral range
    /// (32768 and up here): there, any outgoing connection (curl, the API
    /// double's clients) may hold the port the daemon is about to bind, and
    /// its metrics listener then fails with EADDRINUSE. Each fixture in this
    /// process gets a port of its own.
    static func unusedPort() -> Int {
        while true {
            let port = nextPort.withLock { next in
                defer { next = next >= 32_000 ? 20_000 : next + 1 }
                return next
            }
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return port }  // cannot probe: the daemon's own bind will say
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            close(fd)
            if bound == 0 { return port }
        }
    }

    /// Made by the slow bridge when its ADD starts: the request is in flight.
    var slowAddStarted: String { dir + "/plugins/add-started" }

    /// The cluster network becomes a bridge whose ADD first sleeps `seconds`
    /// (a plugin in a binDir of its own); its DEL is the bridge's own.
    func slowClusterNetwork(seconds: Int) throws {
        let plugins = dir + "/plugins"
        try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
        try "#!/bin/sh\nif [ \"$CNI_COMMAND\" = ADD ]; then : > \(slowAddStarted); sleep \(seconds); fi\nexec \(Harness.pluginDir)/bridge\n".write(toFile: plugins + "/slow-bridge", atomically: true, encoding: .utf8)
        chmod(plugins + "/slow-bridge", 0o755)
        var cluster = fixture.clusterNetwork
        cluster["type"] = "slow-bridge"
        try cluster.pretty.write(toFile: netd + "/10-cluster.conf", atomically: true, encoding: .utf8)
        var config = try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: daemonConfigPath))))
        config["binDir"] = .string(plugins)
        try config.pretty.write(toFile: daemonConfigPath, atomically: true, encoding: .utf8)
        server.updateObject(at: podPath) { $0["metadata"]?["annotations"] = [:] }
    }

    /// Starts the daemon and waits until its socket answers /readyz.
    @discardableResult
    func startDaemon(arguments: [String]? = nil, environment: [String: String] = [:]) throws -> ChildProcess {
        var env = ["MULTUS_NODE_NAME": "node-1", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
        env.merge(environment) { $1 }
        let started = try ChildProcess(daemonBinary, arguments ?? ["-config", daemonConfigPath], environment: env, log: dir + "/daemon.out")
        daemon = started
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if !started.isRunning { throw HarnessError("the daemon exited (\(started.exitStatus.map(String.init) ?? "?")): \(output)") }
            if (try? http("/readyz"))?.status == 200 { return started }
            usleep(20_000)
        }
        throw HarnessError("the daemon did not answer on \(socketDir)/multus.sock: \(output)")
    }

    var output: String {
        ((try? String(contentsOfFile: dir + "/daemon.out", encoding: .utf8)) ?? "")
            + ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")
    }

    func stopDaemon(signal: Int32 = SIGTERM) {
        guard let daemon else { return }
        if signal == SIGKILL {
            daemon.terminate()
        } else {
            daemon.stop()
        }
        self.daemon = nil
    }

    func remove() async {
        stopDaemon()
        await server.shutdown()
        sandbox.remove()
    }

    /// The plugin's configuration as libcni hands it over from a conflist (the generated one unless named).
    func shimConfig(_ conflist: String? = nil) throws -> String {
        let list = try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: conflist ?? netd + "/00-multus.conflist"))))
        guard case .object(var plugin) = list["plugins"]?.arrayValue?.first ?? .null else {
            throw HarnessError("00-multus.conflist has no plugin: \(list.serialized)")
        }
        plugin["cniVersion"] = list["cniVersion"]
        plugin["name"] = list["name"]
        return JSONValue.object(plugin).serialized
    }

    func shimCall(_ command: String, containerID: String? = nil, netns: String? = nil, args: String? = nil,
                  ifName: String = "eth0", config: String? = nil) throws -> Harness.Output {
        var env = ["CNI_COMMAND": command, "CNI_CONTAINERID": containerID ?? "ctr-\(sandbox.id)",
                   "CNI_NETNS": netns ?? sandbox.netnsPath, "CNI_IFNAME": ifName, "CNI_PATH": Harness.pluginDir,
                   "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
        env["CNI_ARGS"] = args ?? fixture.cniArgs
        return try Harness.run(shim, [], environment: env, stdin: try shimConfig(config))
    }

    /// One request to the daemon's socket (curl speaks HTTP over unix sockets).
    func http(_ path: String, method: String = "GET") throws -> (status: Int, body: String) {
        let out = try Harness.run("/usr/bin/curl", ["-s", "-o", "-", "-w", "\n%{http_code}", "-X", method,
                                                    "--unix-socket", socketDir + "/multus.sock", "http://dummy" + path])
        var lines = out.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let code = Int(lines.popLast() ?? "") ?? 0
        return (code, lines.joined(separator: "\n"))
    }

    func metrics() throws -> String {
        try Harness.run("/usr/bin/curl", ["-s", "http://127.0.0.1:\(metricsPort)/metrics"]).stdout
    }

    /// GETs of single pods or NADs (LIST and WATCH are collection paths).
    func objectGets() -> [String] {
        server.requests.filter { r in
            r.method == "GET" && r.query["watch"] == nil
                && ((r.path.hasPrefix("/api/v1/namespaces/") && r.path.contains("/pods/"))
                    || r.path.contains("/network-attachment-definitions/"))
        }.map(\.path)
    }
}
