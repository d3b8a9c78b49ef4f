import CNISpec
import Foundation
import Glibc
import KubeAPIServerDouble
import Testing

/// Thick mode end to end, as root: the daemon against the API server double,
/// the shim as the runtime's plugin, the reference plugins in real namespaces.
@Suite(.serialized, .enabled(if: Harness.canRun && FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")
                             && FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"),
                             "needs root, the reference plugins, openssl and curl"))
struct ThickModeTests {
    func withThick(_ extraConfig: [String: JSONValue] = [:], _ body: (ThickFixture) async throws -> Void) async throws {
        let thick = try await ThickFixture.make(extraConfig: extraConfig)
        do {
            try await body(thick)
        } catch {
            await thick.remove()
            throw error
        }
        await thick.remove()
    }

    @Test func addCheckDelThroughTheShimReadNoPodOrNADOnAWarmAddAndNothingOnDel() async throws {
        try await withThick { t in
            try t.startDaemon()
            let conflist = try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: t.netd + "/00-multus.conflist"))))
            #expect(conflist["name"] == "multus-cni-network")
            #expect(conflist["plugins"]?.arrayValue?.first?["type"] == "multus-shim")
            #expect(conflist["plugins"]?.arrayValue?.first?["clusterNetwork"]?.stringValue == t.netd + "/10-cluster.conf")
            #expect(conflist["plugins"]?.arrayValue?.first?["daemonSocketDir"]?.stringValue == t.socketDir)

            let add = try t.shimCall("ADD")
            #expect(add.status == 0, "\(add.stdout) \(t.output)")
            #expect(add.json?["cniVersion"] == "1.0.0")
            #expect(try t.sandbox.interfaces() == ["data0", "eth0", "net2"])
            #expect(try t.sandbox.ipv4Addresses(of: "data0") == [t.fixture.staticIP])
            #expect(t.objectGets().isEmpty, "a warm ADD read \(t.objectGets())")
            let status = t.server.object(at: t.podPath)?["metadata"]?["annotations"]?["k8s.v1.cni.cncf.io/network-status"]?.stringValue
            #expect(status?.contains("apps/macvlan-static") == true, "\(status ?? "no network-status")")
            #expect(t.server.requestCount(method: "PATCH", pathPrefix: t.podPath + "/status") == 1)

            let check = try t.shimCall("CHECK")
            #expect(check.status == 0, "\(check.stdout)")

            t.server.resetCounters()
            let del = try t.shimCall("DEL")
            #expect(del.status == 0, "\(del.stdout)")
            #expect(t.server.requests.isEmpty, "DEL asked \(t.server.requests.map { "\($0.method) \($0.path)" })")
            #expect(try t.sandbox.interfaces().isEmpty)
            #expect(t.sandbox.reservedAddresses().isEmpty)
            #expect(t.sandbox.cacheFiles().isEmpty)

            let metrics = try t.metrics()
            #expect(metrics.contains("multus_cni_requests_total{command=\"ADD\",result=\"success\"} 1"), "\(metrics)")
            #expect(metrics.contains("multus_cache_objects{resource=\"network-attachment-definitions\"} 2"), "\(metrics)")
            #expect(metrics.contains("multus_cni_request_duration_seconds_bucket"))
        }
    }

    @Test func aNADCreatedAfterStartIsSeenThroughTheWatch() async throws {
        try await withThick { t in
            try t.startDaemon()
            let subnet = Sandbox.newSubnet()
            var late = t.sandbox.bridgeNetwork(name: "late", subnet: subnet)
            late["name"] = nil
            t.server.seed(PodNetworksFixture.nad(name: "late", namespace: "apps", config: late))
            t.server.updateObject(at: t.podPath) { pod in
                pod["metadata"]?["annotations"]?["k8s.v1.cni.cncf.io/networks"] = "late@late0"
            }
            // The watch delivers both within moments.
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline, !(try t.metrics().contains("multus_cache_objects{resource=\"network-attachment-definitions\"} 3")) {
                usleep(50_000)
            }
            t.server.resetCounters()
            let add = try t.shimCall("ADD")
            #expect(add.status == 0, "\(add.stdout) \(t.output)")
            #expect(try t.sandbox.interfaces() == ["eth0", "late0"])
            #expect(t.objectGets().isEmpty, "ADD read \(t.objectGets())")
            #expect(try t.shimCall("DEL").status == 0)
            #expect(t.sandbox.reservedAddresses().isEmpty)
        }
    }

    @Test func killedDaemonMakesTheShimFailFastAndDelWorksWithoutItThenARestartServesAgain() async throws {
        try await withThick { t in
            try t.startDaemon()
            #expect(try t.shimCall("ADD").status == 0)
            t.stopDaemon(signal: SIGKILL)
            #expect(FileManager.default.fileExists(atPath: t.socketDir + "/multus.sock"), "a killed daemon leaves its socket")

            // DEL without a daemon: the shim deletes from the caches itself.
            let del = try t.shimCall("DEL")
            #expect(del.status == 0, "\(del.stdout)")
            #expect(try t.sandbox.interfaces().isEmpty)
            #expect(t.sandbox.reservedAddresses().isEmpty)
            #expect(t.sandbox.cacheFiles().isEmpty)

            let started = Date()
            let add = try t.shimCall("ADD")
            let waited = Date().timeIntervalSince(started)
            #expect(add.status == 1)
            #expect(add.json?["code"] == 11)
            #expect(add.json?["msg"]?.stringValue?.contains(t.socketDir + "/multus.sock") == true, "\(add.stdout)")
            #expect(waited >= 4.5 && waited < 8, "the shim waited \(waited) s")
            #expect(try t.sandbox.interfaces().isEmpty)

            try t.startDaemon()  // replaces the stale socket
            let again = try t.shimCall("ADD")
            #expect(again.status == 0, "\(again.stdout) \(t.output)")
            #expect(try t.shimCall("DEL").status == 0)
            #expect(t.sandbox.reservedAddresses().isEmpty)
        }
    }

    @Test func sigtermStopsAcceptingAndExitsInTime() async throws {
        try await withThick { t in
            let daemon = try t.startDaemon()
            let started = Date()
            kill(daemon.pid, SIGTERM)
            while daemon.isRunning && Date().timeIntervalSince(started) < 15 { usleep(10_000) }
            let took = Date().timeIntervalSince(started)
            #expect(!daemon.isRunning)
            #expect(took < 3, "exit took \(took) s")
            #expect(daemon.exitStatus == 0)
            #expect(!FileManager.default.fileExists(atPath: t.socketDir + "/multus.sock"))
            #expect(FileManager.default.fileExists(atPath: t.netd + "/00-multus.conflist"), "the config stays, as thin mode's")
        }
    }

    /// A plugin that takes 3 s: past a 1 s requestTimeoutSeconds the shim gets
    /// a CNI error at once; the DEL that follows waits for the ADD and undoes it.
    @Test func aRequestPastItsDeadlineAnswersACNIErrorAndTheDelUndoesIt() async throws {
        try await withThick(["requestTimeoutSeconds": 1]) { t in
            try t.slowClusterNetwork(seconds: 3)
            try t.startDaemon()
            let started = Date()
            let add = try t.shimCall("ADD")
            let took = Date().timeIntervalSince(started)
            #expect(add.status == 1)
            #expect(add.json?["code"] == 11)
            #expect(add.json?["msg"]?.stringValue?.contains("did not finish within 1 s") == true, "\(add.stdout)")
            #expect(took < 2.5, "the answer took \(took) s")
            // The runtime's DEL waits for the container's lock; its own 1 s
            // deadline passes first while the ADD still sleeps: then it is
            // retried, as runtimes do.
            var del = try t.shimCall("DEL")
            for _ in 0..<5 where del.status != 0 {
                let message = del.json?["msg"]?.stringValue ?? ""
                #expect(message.contains("still running") || message.contains("did not finish within 1 s"), "\(del.stdout)")
                del = try t.shimCall("DEL")
            }
            #expect(del.status == 0, "\(del.stdout)")
            #expect(try t.sandbox.interfaces().isEmpty)
            #expect(t.sandbox.reservedAddresses().isEmpty)
            #expect(t.sandbox.cacheFiles().isEmpty)
        }
    }

    /// SIGTERM while an ADD runs: the ADD still gets its answer, then the daemon exits.
    @Test func sigtermLetsTheRequestInFlightFinish() async throws {
        try await withThick { t in
            try t.slowClusterNetwork(seconds: 2)
            let daemon = try t.startDaemon()
            async let add = Task.detached { try t.shimCall("ADD") }.value
            let waited = Date()
            while !FileManager.default.fileExists(atPath: t.slowAddStarted) && Date().timeIntervalSince(waited) < 10 { usleep(10_000) }
            #expect(FileManager.default.fileExists(atPath: t.slowAddStarted), "the ADD never reached its plugin")
            kill(daemon.pid, SIGTERM)
            let answer = try await add
            #expect(answer.status == 0, "\(answer.stdout)")
            let started = Date()
            while daemon.isRunning && Date().timeIntervalSince(started) < 15 { usleep(10_000) }
            #expect(!daemon.isRunning && daemon.exitStatus == 0)
            // No daemon now: the shim's own DEL frees it.
            #expect(try t.shimCall("DEL").status == 0)
            #expect(t.sandbox.reservedAddresses().isEmpty)
        }
    }

    /// multusConfigFile a path (not auto): the operator's shim config is copied
    /// into cniConfigDir and the daemon keeps serving (Go's exits here); Go's
    /// `enablePprof` in it is said at start to be not carried.
    @Test func aUserProvidedConfigIsCopiedAndTheDaemonServesSayingWhatItDoesNotCarry() async throws {
        let userConfig = "/user/70-multus-shim.conflist"
        try await withThick { t in
            try t.startDaemon()  // auto first: the conflist to hand over as the user's own
            let generated = try Data(contentsOf: URL(fileURLWithPath: t.netd + "/00-multus.conflist"))
            t.stopDaemon()
            try FileManager.default.removeItem(atPath: t.netd + "/00-multus.conflist")
            try FileManager.default.createDirectory(atPath: t.dir + "/user", withIntermediateDirectories: true)
            try generated.write(to: URL(fileURLWithPath: t.dir + userConfig))
            var config = try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: t.daemonConfigPath))))
            config["multusConfigFile"] = .string(t.dir + userConfig)
            config["enablePprof"] = true  // Go's profiler: not carried, and said so at start
            try config.pretty.write(toFile: t.daemonConfigPath, atomically: true, encoding: .utf8)

            let daemon = try t.startDaemon()
            let copied = t.netd + "/70-multus-shim.conflist"
            #expect(try Data(contentsOf: URL(fileURLWithPath: copied)) == generated)
            #expect(!FileManager.default.fileExists(atPath: t.netd + "/00-multus.conflist"), "nothing generated")
            usleep(500_000)
            #expect(daemon.isRunning, "the daemon stays up without auto: \(t.output)")
            #expect(t.output.contains("[verbose] enablePprof: multus-swift has no pprof endpoints"), "\(t.output)")
            let add = try t.shimCall("ADD", config: copied)
            #expect(add.status == 0, "\(add.stdout) \(t.output)")
            #expect(try t.shimCall("DEL", config: copied).status == 0)
            #expect(try t.sandbox.interfaces().isEmpty)
        }
    }

    @Test func twentyConcurrentPodsLeakNothing() async throws {
        try await withThick { t in
            let nadSubnet = Sandbox.newSubnet()
            var bridge = t.sandbox.bridgeNetwork(name: "pods", subnet: nadSubnet)
            bridge["name"] = nil
            t.server.seed(PodNetworksFixture.nad(name: "pods", namespace: "apps", config: bridge))
            var pods: [(name: String, netns: String, uid: String)] = []
            for i in 0..<20 {
                let name = "pod-\(i)", uid = "uid-\(t.sandbox.id)-\(i)"
                let ns = "msw-\(t.sandbox.id)-\(i)"
                try t.sandbox.addNamespace(ns)
                t.server.seed(["apiVersion": "v1", "kind": "Pod",
                               "metadata": ["name": .string(name), "namespace": "apps", "uid": .string(uid),
                                            "annotations": ["k8s.v1.cni.cncf.io/networks": "pods"]],
                               "spec": ["nodeName": "node-1"]])
                pods.append((name, "/var/run/netns/\(ns)", uid))
            }
            let daemon = try t.startDaemon()
            let before = Self.resources(of: daemon.pid)
            func args(_ pod: (name: String, netns: String, uid: String)) -> String {
                "IgnoreUnknown=1;K8S_POD_NAMESPACE=apps;K8S_POD_NAME=\(pod.name);K8S_POD_INFRA_CONTAINER_ID=c-\(pod.name);K8S_POD_UID=\(pod.uid)"
            }
            // Two rounds of 20 at once: whatever a request holds must be given back.
            for _ in 0..<2 {
                let outputs = try await withThrowingTaskGroup(of: Harness.Output.self) { group in
                    for pod in pods {
                        group.addTask { try t.shimCall("ADD", containerID: "c-\(t.sandbox.id)-\(pod.name)", netns: pod.netns, args: args(pod)) }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(outputs.allSatisfy { $0.status == 0 }, "\(outputs.filter { $0.status != 0 }.map(\.stdout))")
                #expect(t.objectGets().isEmpty, "warm ADDs read \(t.objectGets())")
                for pod in pods { #expect(try t.sandbox.interfaces(in: pod.netns.split(separator: "/").last.map(String.init)) == ["eth0", "net1"]) }
                let dels = try await withThrowingTaskGroup(of: Harness.Output.self) { group in
                    for pod in pods {
                        group.addTask { try t.shimCall("DEL", containerID: "c-\(t.sandbox.id)-\(pod.name)", netns: pod.netns, args: args(pod)) }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(dels.allSatisfy { $0.status == 0 }, "\(dels.filter { $0.status != 0 }.map(\.stdout))")
                #expect(t.sandbox.reservedAddresses().isEmpty)
                #expect(t.sandbox.cacheFiles().isEmpty)
                for pod in pods { #expect(try t.sandbox.interfaces(in: pod.netns.split(separator: "/").last.map(String.init)).isEmpty) }
            }
            usleep(200_000)
            let after = Self.resources(of: daemon.pid)
            // At most the pooled API connections (8) and the request log file stay open.
            #expect(after.fds <= before.fds + 9, "descriptors \(before.fds) → \(after.fds)")
            #expect(after.threads <= before.threads + 1, "threads \(before.threads) → \(after.threads)")
            #expect(after.children == 0, "plugins still running: \(after.children)")
        }
    }

    static func resources(of pid: pid_t) -> (fds: Int, threads: Int, children: Int) {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let threads = status.split(separator: "\n").first { $0.hasPrefix("Threads:") }
            .flatMap { Int($0.split(separator: "\t").last ?? "") } ?? -1
        let children = ((try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? "")
            .split(separator: " ").count
        return (fds, threads, children)
    }
}
