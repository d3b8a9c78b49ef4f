import SystemSupport
import CNISpec
import Delegation
import Foundation
import Synchronization
@testable import MultusInstall

/// A throwaway stand-in for a node: `bin` is /host/opt/cni/bin, `netd` is
/// /host/etc/cni/net.d, `sa` the pod's service account. Removed by `remove()`.
struct FakeHost {
    let root: String
    var bin: String { root + "/opt/cni/bin" }
    var netd: String { root + "/etc/cni/net.d" }
    var sa: String { root + "/serviceaccount" }

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/multus-install-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw InstallError.io("mkdtemp failed") }
        root = String(cString: made)
        for dir in [bin, netd, sa] {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        try write(sa + "/token", "token-one")
        try write(sa + "/ca.crt", "-----BEGIN CERTIFICATE-----\nMIIfake\n-----END CERTIFICATE-----\n")
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }

    func write(_ path: String, _ text: String) throws {
        try FileSystem.writeAtomically(path, Array(text.utf8), mode: 0o644)
    }

    func read(_ path: String) -> String? {
        (try? FileSystem.read(path)).flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) }
    }

    func json(_ path: String) throws -> JSONValue? {
        guard let bytes = try FileSystem.read(path) else { return nil }
        return try JSONValue(parsing: bytes)
    }

    /// Options for an auto install into this host, polling fast.
    var options: InstallOptions {
        var o = InstallOptions()
        o.cniBinDir = bin
        o.cniConfDir = netd
        o.serviceAccountDir = sa
        o.apiServer = "https://10.96.0.1:443"
        o.skipMultusBinaryCopy = true
        o.pollInterval = .milliseconds(100)
        return o
    }
}

/// Polls `condition` every 20 ms for up to `seconds`.
func waitUntil(seconds: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

/// The package root, from this file's path.
let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

enum Fixtures {
    /// Cilium's file: a conflist of one plugin.
    static let cilium = """
        {
          "cniVersion": "0.3.1",
          "name": "cilium",
          "plugins": [
            {
               "type": "cilium-cni",
               "enable-debug": false,
               "log-file": "/var/run/cilium/cilium-cni.log"
            }
          ]
        }
        """

    /// flannel's file: flannel plus portmap for hostPort.
    static let flannel = """
        {
          "name": "cbr0",
          "cniVersion": "0.3.1",
          "plugins": [
            { "type": "flannel", "delegate": { "hairpinMode": true, "isDefaultGateway": true } },
            { "type": "portmap", "capabilities": { "portMappings": true } }
          ]
        }
        """

    /// A single conf, 0.3.1 (Calico-era style).
    static let bridgeConf = """
        {"cniVersion":"0.3.1","name":"k8s-pod-network","type":"bridge","bridge":"cni0","capabilities":{"bandwidth":true},"ipam":{"type":"host-local","subnet":"10.244.0.0/24"}}
        """

    /// kindnet on a recent kind: a 1.0.0 conflist.
    static let kindnet = """
        {
          "cniVersion": "1.0.0",
          "name": "kindnet",
          "plugins": [
            { "type": "ptp", "ipMasq": false, "ipam": { "type": "host-local", "dataDir": "/run/cni-ipam-state",
              "routes": [{ "dst": "0.0.0.0/0" }], "ranges": [[{ "subnet": "10.244.1.0/24" }]] }, "mtu": 1500 },
            { "type": "portmap", "capabilities": { "portMappings": true } },
            { "type": "bandwidth", "capabilities": { "bandwidth": true, "portMappings": false } }
          ]
        }
        """
}

/// Collects the installer's log lines for assertions.
final class LogRecorder: Sendable {
    private let store = Locked<[String]>([])

    var log: InstallLog {
        InstallLog { [store] level, message in store.withLock { $0.append("[\(level.rawValue)] \(message)") } }
    }

    var lines: [String] { store.withLock { $0 } }
}

/// A value shared with another thread.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}

/// Runs an installer's whole life (`run(until:)`) on its own thread, as the
/// command does on the main thread.
final class BackgroundInstaller: Sendable {
    let stop = StopFlag()
    let finished = StopFlag()
    private let failure = Locked<InstallError?>(nil)

    init(options: InstallOptions, log: InstallLog = .silent) {
        let thread = Thread { [stop, finished, failure] in
            do throws(InstallError) { try Installer(options: options, log: log).run(until: stop) } catch {
                failure.withLock { $0 = error }
            }
            finished.stop()
        }
        thread.start()
    }

    var error: InstallError? { failure.withLock { $0 } }

    /// Sets the stop flag and waits for cleanup to finish.
    func stopAndWait() -> Bool {
        stop.stop()
        return waitUntil(seconds: 10) { finished.isStopped }
    }
}

/// YAML through PyYAML (Yams is not a dependency of this target): each file's
/// documents as JSON, `[{"file": path, "docs": [...]}, ...]`.
func loadYAML(_ paths: [String]) throws -> [JSONValue] {
    let script = """
        import json, sys, yaml
        out = []
        for p in sys.argv[1:]:
            with open(p) as f:
                out.append({"file": p, "docs": [d for d in yaml.safe_load_all(f) if d is not None]})
        print(json.dumps(out, default=str))
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + paths
    let stdout = Pipe(), stderr = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    let errors = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw InstallError.io("python3/PyYAML failed: \(String(decoding: errors, as: UTF8.self))")
    }
    return try JSONValue(parsing: Array(output)).arrayValue ?? []
}

/// A child process started with posix_spawn and reaped with waitpid, so its
/// exit is seen without Foundation's Process machinery. Output goes to `log`.
/// The child inherits the test thread's signal mask, in which the runner's
/// threads block SIGTERM: so it also checks that `install` unblocks it.
final class Child: Sendable {
    let pid: pid_t
    let log: String
    private let reaped = StopFlag()

    init(_ path: String, _ arguments: [String], environment: [String], log: String) throws {
        self.log = log
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard rc == 0 else { throw InstallError.io("posix_spawn \(path): \(rc)") }
        self.pid = pid
    }

    func kill(_ signal: Int32) {
        if !reaped.isStopped { _ = Glibc.kill(pid, signal) }
    }

    /// Kills and reaps it if it is still there (for `defer`).
    func terminate() {
        guard !reaped.isStopped else { return }
        kill(SIGKILL)
        _ = wait(seconds: 5)
    }

    /// The exit status once it exits within `seconds` (128+n when killed by signal n), else nil.
    func wait(seconds: Double) -> Int32? {
        var result: Int32? = nil
        _ = waitUntil(seconds: seconds) {
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return false }
            let signal = status & 0x7F
            result = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
            reaped.stop()
            return true
        }
        return result
    }
}
