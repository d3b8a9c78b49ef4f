import CNISpec
import Logging
import MultusInstall
import SystemSupport
import TestSupport
import Testing
@testable import MultusDaemon

@Suite struct DaemonFlagsTests {
    @Test func goFlagSpellingsOfConfig() throws {
        #expect(try DaemonFlags.parse([]).config == DaemonConfig.defaultPath)
        #expect(try DaemonFlags.parse(["-config", "/a"]).config == "/a")
        #expect(try DaemonFlags.parse(["--config", "/b"]).config == "/b")
        #expect(try DaemonFlags.parse(["-config=/c"]).config == "/c")
        #expect(try DaemonFlags.parse(["--config=/d", "positional", "-version"]).version == false, "flags end at a positional")
        #expect(try DaemonFlags.parse(["-version"]).version)
        #expect(try DaemonFlags.parse(["-h"]).help)
        #expect(throws: DaemonFlags.Failure.message("flag provided but not defined: -x")) { try DaemonFlags.parse(["-x"]) }
        #expect(throws: DaemonFlags.Failure.message("flag needs an argument: -config")) { try DaemonFlags.parse(["-config"]) }
    }
}

@Suite struct DaemonConfigTests {
    /// Go's ConfigMap multus-daemon-config (deployments/multus-daemonset-thick.yml).
    static let goThick: String = {
        var root = #filePath
        for _ in 0..<3 { root = Paths.directory(of: root) }
        return (try? FileSystem.read(root + "/Tests/Fixtures/GoMultus/daemon-config.json")).flatMap { $0 }
            .map { String(decoding: $0, as: UTF8.self) } ?? ""
    }()

    @Test func enablePprofIsReadAndSaidToBeUnsupported() throws {
        let on = try DaemonConfig(path: "d", bytes: Array(#"{"enablePprof": true, "metricsPort": 9091}"#.utf8))
        #expect(on.unsupported == ["enablePprof: multus-swift has no pprof endpoints (Go's profiler); /metrics is served on metricsPort"])
        #expect(try DaemonConfig(path: "d", bytes: Array(#"{"enablePprof": false}"#.utf8)).unsupported.isEmpty)
        #expect(throws: CNIError.self) { try DaemonConfig(path: "d", bytes: Array(#"{"enablePprof": "yes"}"#.utf8)) }
    }

    @Test func goThickDaemonSetConfig() throws {
        let config = try DaemonConfig(path: "daemon-config.json", bytes: Array(Self.goThick.utf8))
        #expect(config.chrootDir == "/hostroot")
        #expect(config.socketPath == "/host/run/multus/multus.sock")
        #expect(config.isAutoConfig)
        #expect(config.cniConfigDir == "/host/etc/cni/net.d")
        #expect(config.log.logToStderr)
        #expect(config.metricsPort == nil)
        #expect(config.requestTimeout == .seconds(90))
    }

    @Test func defaultsAsGo() throws {
        let config = try DaemonConfig(path: "d.json", bytes: Array("{}".utf8))
        #expect(config.socketDir == "/run/multus/")
        #expect(config.cniConfigDir == "/etc/cni/net.d")
        #expect(config.multusAutoconfigDir == "/etc/cni/net.d")
        #expect(config.multusConfigFile == "auto")
        #expect(config.log.logToStderr == false, "Go's daemon logs to stderr only when asked")
    }

    /// Each refusal names the file, the key and the value.
    @Test(arguments: [
        (#"{"connectionLimit": 0}"#, ["d.json", "connectionLimit", "0"]),
        (#"{"metricsPort": "9091"}"#, ["d.json", "metricsPort", "not a string"]),
        (#"{"metricsPort": 70000}"#, ["d.json", "metricsPort", "70000"]),
        (#"{"requestTimeoutSeconds": 0}"#, ["d.json", "requestTimeoutSeconds", "0"]),
        ("[]", ["d.json", "JSON object"]),
    ])
    func badValuesAreRefused(text: String, named: [String]) {
        do {
            _ = try DaemonConfig(path: "d.json", bytes: Array(text.utf8))
            Issue.record("\(text) was accepted")
        } catch {
            for part in named { #expect(error.msg.contains(part), "\(error.msg) does not name \(part)") }
        }
    }

    /// Go's overrideCNIConfigWithServerConfig: every key of the file wins; in
    /// auto mode readinessindicatorfile is dropped (the daemon watches it).
    @Test func daemonKeysOverrideTheRequestsConfiguration() throws {
        let config = try DaemonConfig(path: "d", bytes: Array(#"{"cniDir": "/d", "readinessindicatorfile": "/r", "logLevel": "debug"}"#.utf8))
        let request: JSONValue = ["cniVersion": "1.0.0", "name": "n", "type": "multus-shim", "cniDir": "/shim",
                                  "readinessindicatorfile": "/shim-r", "clusterNetwork": "/p"]
        let merged = try config.overriding(request)
        #expect(merged["cniDir"] == "/d")
        #expect(merged["logLevel"] == "debug")
        #expect(merged["clusterNetwork"] == "/p")
        #expect(merged["readinessindicatorfile"] == nil)
        let manual = try DaemonConfig(path: "d", bytes: Array(#"{"multusConfigFile": "/etc/m.conf", "readinessindicatorfile": "/r"}"#.utf8))
        #expect(try manual.overriding(request)["readinessindicatorfile"] == "/r")
    }
}

@Suite struct ShimConfigGenerationTests {
    func manager(_ json: String, _ dir: TemporaryDirectory) throws -> ConfigManager {
        let path = try dir.write("daemon-config.json", json)
        return ConfigManager(config: try DaemonConfig.load(path), logger: .init(label: "test"))
    }

    @Test func autoWritesTheShimConfigAroundThePrimary() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("net.d/10-flannel.conflist", #"{"cniVersion":"0.3.1","name":"cbr0","plugins":[{"type":"flannel"},{"type":"portmap","capabilities":{"portMappings":true}}]}"#)
        try dir.write("net.d/00-multus.conflist", "stale")
        let m = try manager(#"{"cniVersion":"0.3.1","cniConfigDir":"\#(dir.file("net.d"))","binDir":"/opt/cni/bin","logToStderr":false,"daemonSocketDir":"/run/multus/"}"#, dir)
        #expect(try m.reconcile())
        #expect(dir.list("net.d") == ["00-multus.conf", "10-flannel.conflist"], "the other name goes")
        let conf = try JSONValue(parsing: Array(dir.read("net.d/00-multus.conf")!.utf8))
        #expect(conf["type"] == "multus-shim")
        #expect(conf["name"] == "multus-cni-network")
        #expect(conf["cniVersion"] == "0.3.1")
        #expect(conf["clusterNetwork"]?.stringValue == dir.file("net.d/10-flannel.conflist"))
        #expect(conf["capabilities"] == ["portMappings": true])
        #expect(conf["daemonSocketDir"] == "/run/multus/")
        #expect(conf["binDir"] == "/opt/cni/bin")
        #expect(conf["logToStderr"] == nil, "false is omitted, as Go's omitempty")
        #expect(conf["readinessindicatorfile"] == nil)
    }

    @Test func cni100IsAConflistAndAnOldPrimaryUnderANewVersionIsRefused() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("net.d/10-br.conf", #"{"cniVersion":"1.0.0","name":"br","type":"bridge"}"#)
        let m = try manager(#"{"cniConfigDir":"\#(dir.file("net.d"))"}"#, dir)
        #expect(try m.reconcile())
        let list = try JSONValue(parsing: Array(dir.read("net.d/00-multus.conflist")!.utf8))
        #expect(list["plugins"]?.arrayValue?.first?["type"] == "multus-shim")
        try dir.write("net.d/10-br.conf", #"{"cniVersion":"0.3.1","name":"br","type":"bridge"}"#)
        let strict = try manager(#"{"cniVersion":"1.0.0","cniConfigDir":"\#(dir.file("net.d"))"}"#, dir)
        #expect(throws: CNIError.self) { try strict.reconcile() }
    }

    @Test func noPrimaryYetWritesNothing() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("net.d/00-multus.conf", #"{"cniVersion":"0.3.1","name":"multus-cni-network","type":"multus-shim"}"#)
        let m = try manager(#"{"cniConfigDir":"\#(dir.file("net.d"))"}"#, dir)
        #expect(try m.reconcile() == false)
    }
}

@Suite struct PlanningFieldsTests {
    @Test func podsKeepOnlyWhatPlanningReads() throws {
        let pod: JSONValue = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": "web", "namespace": "apps", "uid": "u1", "resourceVersion": "7",
                         "labels": ["app": "web"], "managedFields": [["manager": "kubectl"]],
                         "annotations": ["k8s.v1.cni.cncf.io/networks": "a,b", "kubectl.kubernetes.io/last-applied-configuration": "{…}",
                                         "k8s.v1.cni.cncf.io/network-status": "[]"]],
            "spec": ["nodeName": "node-1", "containers": [["name": "c", "image": "busybox", "env": [["name": "X", "value": "y"]]]]],
            "status": ["phase": "Running", "resourceClaimStatuses": [["name": "gpu", "resourceClaimName": "web-gpu"]]],
        ]
        let kept = PlanningFields.pod(pod)
        #expect(kept == [
            "metadata": ["name": "web", "namespace": "apps", "uid": "u1", "resourceVersion": "7",
                         "annotations": ["k8s.v1.cni.cncf.io/networks": "a,b"]],
            "spec": ["nodeName": "node-1"],
            "status": ["resourceClaimStatuses": [["name": "gpu", "resourceClaimName": "web-gpu"]]],
        ])
        #expect(kept.serializedBytes.count < pod.serializedBytes.count / 2)
    }

    @Test func nadsKeepConfigAndResourceName() {
        let nad: JSONValue = [
            "apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
            "metadata": ["name": "sriov", "namespace": "apps", "uid": "n1", "generation": 3,
                         "annotations": ["k8s.v1.cni.cncf.io/resourceName": "intel.com/sriov", "other": "x"]],
            "spec": ["config": #"{"type":"sriov"}"#],
        ]
        #expect(PlanningFields.nad(nad) == [
            "metadata": ["name": "sriov", "namespace": "apps", "uid": "n1",
                         "annotations": ["k8s.v1.cni.cncf.io/resourceName": "intel.com/sriov"]],
            "spec": ["config": #"{"type":"sriov"}"#],
        ])
    }
}
