import CNISpec
import Foundation
import TestSupport
import UnaryGRPC

/// A containerd of the test's own — config, root, state, socket, CNI bin and
/// conf folders all under the sandbox's folder — with the CRI plugin set up as
/// on a node: multus-swift and the reference plugins in `bin_dir`, one
/// multus-swift config in `conf_dir`, a locally built pause image imported into
/// the k8s.io namespace. `remove()` stops and removes what the test left
/// (sandboxes through the CRI, then containerd and its shims by PID, mounts,
/// the network namespaces containerd made, the folder).
final class Containerd: @unchecked Sendable {
    static let binary = "/usr/bin/containerd"
    static let ctr = "/usr/bin/ctr"
    static let pauseImage = "localhost/multus-swift-pause:1"

    /// Why containerd cannot run here at all, or nil.
    static let unavailable: String? = {
        if !Harness.canRun { return "needs root and the reference plugins in \(Harness.pluginDir)" }
        for tool in [binary, ctr, "/usr/bin/containerd-shim-runc-v2", Podman.runc, "/usr/bin/gcc", "/usr/bin/tar", "/usr/bin/sha256sum"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            return "\(tool) is missing (scripts/install-deps.sh installs containerd, runc and gcc)"
        }
        return nil
    }()

    let sandbox: Sandbox
    let dir: String
    var socket: String { dir + "/run/containerd.sock" }
    var binDir: String { dir + "/bin" }
    var confDir: String { dir + "/net.d" }
    var logPath: String { dir + "/containerd.log" }
    var multusLog: String { dir + "/multus.log" }
    var cri: CRIClient { CRIClient(socket: socket) }
    private var process: ChildProcess?
    private var sandboxIDs: [String] = []
    private let lock = NSLock()

    init(sandbox: Sandbox) throws {
        self.sandbox = sandbox
        dir = sandbox.dir + "/containerd"
        let fm = FileManager.default
        for sub in ["bin", "net.d", "root", "state", "run", "opt"] {
            try fm.createDirectory(atPath: "\(dir)/\(sub)", withIntermediateDirectories: true)
        }
        // bin_dir: the built multus-swift next to the reference plugins (containerd
        // runs `loopback` from here too).
        try fm.copyItem(atPath: Harness.binary, toPath: binDir + "/multus-swift")
        for plugin in try fm.contentsOfDirectory(atPath: Harness.pluginDir) {
            try fm.createSymbolicLink(atPath: binDir + "/" + plugin, withDestinationPath: Harness.pluginDir + "/" + plugin)
        }
        try config.write(toFile: dir + "/config.toml", atomically: true, encoding: .utf8)
    }

    /// containerd 1.6's config, version 2. `restrict_oom_score_adj`: sandboxes ask
    /// for oom_score_adj -998, which this machine refuses to a process that is not
    /// allowed to lower its own score.
    private var config: String {
        """
        version = 2
        root = "\(dir)/root"
        state = "\(dir)/state"
        [grpc]
          address = "\(socket)"
        [ttrpc]
          address = "\(socket).ttrpc"
        [debug]
          level = "info"
        [plugins."io.containerd.internal.v1.opt"]
          path = "\(dir)/opt"
        [plugins."io.containerd.grpc.v1.cri"]
          sandbox_image = "\(Self.pauseImage)"
          restrict_oom_score_adj = true
          stream_server_address = "127.0.0.1"
          stream_server_port = "0"
          [plugins."io.containerd.grpc.v1.cri".cni]
            bin_dir = "\(binDir)"
            conf_dir = "\(confDir)"
            max_conf_num = 1
          [plugins."io.containerd.grpc.v1.cri".containerd]
            snapshotter = "overlayfs"
            default_runtime_name = "runc"
            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
              runtime_type = "io.containerd.runc.v2"
        """
    }

    /// The multus-swift network containerd's CRI plugin loads: a `.conf`, or a
    /// `.conflist` with multus-swift as its only plugin.
    func writeMultusConfig(version: String, conflist: Bool, kubeconfig: String, clusterNetwork: JSONValue) throws {
        let name = "msw-\(sandbox.id)"
        let fm = FileManager.default
        for file in (try? fm.contentsOfDirectory(atPath: confDir)) ?? [] { try fm.removeItem(atPath: confDir + "/" + file) }
        // The capabilities a node's multus config declares, so that containerd passes them as runtimeConfig.
        var plugin = JSONObject([("type", "multus-swift"),
                                 ("capabilities", ["portMappings": true, "io.kubernetes.cri.pod-annotations": true]),
                                 ("kubeconfig", .string(kubeconfig)),
                                 ("delegates", [clusterNetwork]), ("cniDir", .string(sandbox.cniDir)),
                                 ("binDir", .string(Harness.pluginDir)), ("logFile", .string(multusLog)),
                                 ("logLevel", "debug"), ("logToStderr", false)])
        let document: JSONValue
        if conflist {
            document = ["cniVersion": .string(version), "name": .string(name), "plugins": [.object(plugin)]]
        } else {
            plugin["cniVersion"] = .string(version)
            plugin["name"] = .string(name)
            document = .object(plugin)
        }
        try document.pretty.write(toFile: confDir + "/10-multus." + (conflist ? "conflist" : "conf"), atomically: true, encoding: .utf8)
    }

    /// Starts containerd and waits until its CRI answers Version.
    func start() throws {
        let daemon = try ChildProcess(Self.binary, ["--config", dir + "/config.toml"],
                                      environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"], log: logPath)
        process = daemon
        let deadline = Date().addingTimeInterval(30)
        var last = ""
        while Date() < deadline {
            guard daemon.isRunning else { throw HarnessError("containerd exited (\(daemon.exitStatus.map(String.init) ?? "?")):\n\(logTail())") }
            do {
                _ = try CRIClient(socket: socket, timeout: .seconds(2)).version()
                return
            } catch {
                last = "\(error)"
                usleep(50_000)
            }
        }
        throw HarnessError("containerd's CRI did not answer within 30 s (\(last)):\n\(logTail())")
    }

    /// SIGTERM to our containerd (its shims and sandboxes keep running), by PID.
    func stop() {
        process?.stop()
        process = nil
    }

    func logTail(_ lines: Int = 30) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// Builds the pause image and imports it into the k8s.io namespace.
    func importPauseImage() throws {
        let archive = try PauseImage.archive(in: dir + "/pause")
        let out = try Harness.run(Self.ctr, ["--address", socket, "--namespace", "k8s.io", "images", "import", archive])
        guard out.status == 0 else { throw HarnessError("ctr images import: \(out.stdout)\(out.stderr)") }
    }

    /// RunPodSandbox, remembering the ID for `remove()`.
    func runPodSandbox(_ config: CRI.PodSandboxConfig) throws -> String {
        let id = try cri.runPodSandbox(config)
        lock.lock()
        sandboxIDs.append(id)
        lock.unlock()
        return id
    }

    /// containerd's containers and tasks in k8s.io (nothing once every sandbox is removed).
    func containers() throws -> [String] {
        let out = try Harness.run(Self.ctr, ["--address", socket, "--namespace", "k8s.io", "containers", "ls", "-q"])
        return out.stdout.split(separator: "\n").map(String.init)
    }

    /// The network namespace containerd made for a sandbox, from the verbose status.
    static func netnsPath(_ status: CRI.PodSandboxStatus) -> String? {
        guard let info = status.info["info"], let json = try? JSONValue(parsing: info),
              let namespaces = json["runtimeSpec"]?["linux"]?["namespaces"]?.arrayValue else { return nil }
        return namespaces.first { $0["type"] == "network" }?["path"]?.stringValue
    }

    func remove() {
        lock.lock()
        let ids = sandboxIDs
        lock.unlock()
        if process?.isRunning == true {
            for id in ids {
                try? cri.stopPodSandbox(id)
                try? cri.removePodSandbox(id)
            }
        }
        stop()
        // Only after a failure is anything left. Shims of this containerd (our
        // socket is in their command line) and their pause processes, by PID.
        let shims = Self.processes(mentioning: socket)
        for pid in shims + shims.flatMap(Self.children) { kill(pid, SIGKILL) }
        for mount in Self.mounts(under: dir).reversed() { _ = try? Harness.run("/bin/umount", ["-l", mount]) }
        // The namespaces containerd made (multus-swift logged each ADD's), and
        // libcni's cache entries containerd wrote for our network and sandboxes.
        let log = (try? String(contentsOfFile: multusLog, encoding: .utf8)) ?? ""
        for line in log.split(separator: "\n") where line.contains("] ADD container=") {
            guard let range = line.range(of: "netns=/var/run/netns/") else { continue }
            let name = line[range.upperBound...].prefix { $0 != " " }
            if FileManager.default.fileExists(atPath: "/var/run/netns/\(name)") { Harness.ipQuiet("netns", "del", String(name)) }
        }
        let results = "/var/lib/cni/results"
        for file in (try? FileManager.default.contentsOfDirectory(atPath: results)) ?? []
        where file.hasPrefix("msw-\(sandbox.id)-") || ids.contains(where: { file.contains($0) }) {
            try? FileManager.default.removeItem(atPath: results + "/" + file)
        }
        try? FileManager.default.removeItem(atPath: dir)
    }

    static func children(of parent: pid_t) -> [pid_t] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { entry in
            guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            // pid (comm) state ppid …
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && pid_t(fields[1]) == parent ? pid : nil
        }
    }

    static func processes(mentioning text: String) -> [pid_t] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { entry in
            guard let pid = pid_t(entry), let cmdline = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            return String(decoding: cmdline, as: UTF8.self).contains(text) ? pid : nil
        }
    }

    static func mounts(under prefix: String) -> [String] {
        let text = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 1, fields[1].hasPrefix(prefix) else { return nil }
            return String(fields[1])
        }
    }
}

/// A minimal pause image, built here because none can be pulled: a static C
/// program that waits for SIGTERM or SIGINT, as the only file of one layer, in
/// an OCI image archive that `ctr images import` reads.
enum PauseImage {
    static let source = """
    #include <signal.h>
    #include <unistd.h>
    static void done(int sig) { (void)sig; _exit(0); }
    int main(void) {
        signal(SIGTERM, done);
        signal(SIGINT, done);
        for (;;) pause();
    }
    """

    /// Builds the image in `dir` and returns the archive's path.
    static func archive(in dir: String) throws -> String {
        let fm = FileManager.default
        for sub in ["layer", "image/blobs/sha256"] { try fm.createDirectory(atPath: "\(dir)/\(sub)", withIntermediateDirectories: true) }
        try source.write(toFile: dir + "/pause.c", atomically: true, encoding: .utf8)
        try check(Harness.run("/usr/bin/gcc", ["-static", "-Os", "-s", "-o", dir + "/layer/pause", dir + "/pause.c"]), "gcc -static")
        try check(Harness.run("/usr/bin/tar", ["--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-C", dir + "/layer",
                                               "-cf", dir + "/layer.tar", "pause"]), "tar")
        func blob(_ path: String) throws -> (digest: String, size: Int) {
            let sum = try Harness.run("/usr/bin/sha256sum", [path])
            try check(sum, "sha256sum")
            let digest = String(sum.stdout.prefix(64))
            let size = (try fm.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            try? fm.removeItem(atPath: "\(dir)/image/blobs/sha256/\(digest)")
            try fm.copyItem(atPath: path, toPath: "\(dir)/image/blobs/sha256/\(digest)")
            return ("sha256:" + digest, size)
        }
        func write(_ json: JSONValue, _ name: String) throws -> String {
            try json.serialized.write(toFile: "\(dir)/\(name)", atomically: true, encoding: .utf8)
            return "\(dir)/\(name)"
        }
        let layer = try blob(dir + "/layer.tar")
        let config = try blob(write(["architecture": "amd64", "os": "linux", "config": ["Entrypoint": ["/pause"]],
                                     "rootfs": ["type": "layers", "diff_ids": [.string(layer.digest)]]], "config.json"))
        let manifest = try blob(write([
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": ["mediaType": "application/vnd.oci.image.config.v1+json", "digest": .string(config.digest), "size": .int(config.size)],
            "layers": [["mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": .string(layer.digest), "size": .int(layer.size)]],
        ], "manifest.json"))
        _ = try write(["schemaVersion": 2, "manifests": [[
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": .string(manifest.digest), "size": .int(manifest.size),
            "annotations": ["io.containerd.image.name": .string(Containerd.pauseImage), "org.opencontainers.image.ref.name": "1"],
            "platform": ["architecture": "amd64", "os": "linux"],
        ]]], "image/index.json")
        _ = try write(["imageLayoutVersion": "1.0.0"], "image/oci-layout")
        try check(Harness.run("/usr/bin/tar", ["-C", dir + "/image", "-cf", dir + "/pause-image.tar", "oci-layout", "index.json", "blobs"]), "tar")
        return dir + "/pause-image.tar"
    }

    private static func check(_ out: Harness.Output, _ what: String) throws {
        guard out.status == 0 else { throw HarnessError("\(what) failed: \(out.stdout)\(out.stderr)") }
    }
}
