import CNISpec
import Foundation
import Testing

/// The failure paths a hostile runtime or a broken plugin finds: each run end
/// to end with the built binary, faulty plugins as small scripts in a
/// temporary binDir, real namespaces and the reference plugins.
@Suite(.enabled(if: Harness.canRun, "needs root and containernetworking-plugins in /usr/lib/cni"))
struct FailurePathTests {
    /// A folder of plugins: the reference ones, and scripts of the test's own.
    private func binDir(_ sandbox: Sandbox, scripts: [String: String]) throws -> String {
        let bin = sandbox.dir + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        for (name, body) in scripts {
            try ("#!/bin/sh\n" + body + "\n").write(toFile: bin + "/" + name, atomically: true, encoding: .utf8)
            chmod(bin + "/" + name, 0o755)
        }
        return bin
    }

    private func config(_ sandbox: Sandbox, bin: String, _ extra: [(String, JSONValue)]) -> String {
        var json = try! JSONValue(parsing: sandbox.multusConfig(extra))
        json["binDir"] = .string(bin)
        return json.serialized
    }

    private func cni(_ sandbox: Sandbox, _ command: String, _ config: String, bin: String,
                     containerID: String? = nil) throws -> Harness.Output {
        try sandbox.cni(command, config, containerID: containerID, extraEnv: ["CNI_PATH": bin + ":" + Harness.pluginDir])
    }

    @Test func aHungPluginIsKilledWithItsChildrenAfterThePluginTimeout() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let pidFile = sandbox.dir + "/child.pid"
        let bin = try binDir(sandbox, scripts: ["hang": "cat >/dev/null; sleep 300 & echo $! > \(pidFile); wait"])
        let config = self.config(sandbox, bin: bin, [("pluginTimeoutSeconds", 2),
                                                     ("delegates", [["cniVersion": "1.0.0", "name": "h", "type": "hang"]])])
        let start = Date()
        let add = try cni(sandbox, "ADD", config, bin: bin)
        #expect(Date().timeIntervalSince(start) < 20)
        #expect(add.json?["code"]?.intValue == CNIError.tryAgainLater)
        #expect(add.json?["msg"]?.stringValue?.contains("pluginTimeoutSeconds") == true, "\(add.stdout)")
        let child = try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        usleep(200_000)
        let stat = (try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8)) ?? ""
        #expect(stat.isEmpty || stat.contains(") Z "), "the plugin's child \(child) survived: \(stat)")
    }

    @Test func aPluginPrintingWithoutEndIsCutOffWithAClearError() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let bin = try binDir(sandbox, scripts: ["chatty": "cat >/dev/null; head -c 268435456 /dev/zero"])
        let config = self.config(sandbox, bin: bin, [("delegates", [["cniVersion": "1.0.0", "name": "c", "type": "chatty"]])])
        let add = try cni(sandbox, "ADD", config, bin: bin)
        #expect(add.status == 1)
        #expect(add.json?["msg"]?.stringValue?.contains("more than 16 MiB on stdout") == true, "\(add.stdout.prefix(300))")
    }

    @Test func aMissingNetnsFailsBeforeAnyDelegateRuns() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let config = sandbox.multusConfig([("delegates", [sandbox.bridgeNetwork(name: "cluster")])])
        for netns in ["/var/run/netns/msw-none-\(sandbox.id)", "/etc/hostname"] {
            let add = try sandbox.cni("ADD", config, netns: netns)
            #expect(add.json?["code"]?.intValue == CNIError.invalidEnvironment, "\(add.stdout)")
            #expect(add.json?["msg"]?.stringValue?.contains(netns) == true)
        }
        #expect(sandbox.reservedAddresses().isEmpty && sandbox.cacheFiles().isEmpty)
    }

    @Test func aContainerIDTooLongForItsCacheFilesIsCode4AndItsDelSucceeds() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let config = sandbox.multusConfig([("delegates", [sandbox.bridgeNetwork(name: "cluster")])])
        let id = String(repeating: "f", count: 300)
        let add = try sandbox.cni("ADD", config, containerID: id)
        #expect(add.json?["code"]?.intValue == CNIError.invalidEnvironment)
        #expect(add.json?["msg"]?.stringValue?.contains("CNI_CONTAINERID") == true)
        #expect(try sandbox.cni("DEL", config, containerID: id).status == 0)
        #expect(try sandbox.cni("DEL", config, containerID: id).status == 0)
    }

    /// A conflist [bridge, X]: X's ADD fails and its DEL fails once, then recovers.
    @Test func whatAFailedRollbackLeftIsFreedByTheRuntimesNextDel() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let flaky = sandbox.dir + "/x-recovered"
        let bin = try binDir(sandbox, scripts: ["xfail": """
            cat >/dev/null
            case "$CNI_COMMAND" in
            ADD) echo '{"code":42,"msg":"x refuses"}'; exit 1 ;;
            DEL) [ -e \(flaky) ] && exit 0; echo '{"code":11,"msg":"x crashed"}'; exit 1 ;;
            esac
            """])
        var bridge = sandbox.bridgeNetwork(name: "chain")
        bridge["cniVersion"] = nil
        bridge["name"] = nil
        let chain: JSONValue = ["cniVersion": "1.0.0", "name": "chain", "plugins": [bridge, ["type": "xfail"]]]
        let config = self.config(sandbox, bin: bin, [("delegates", [chain])])
        let add = try cni(sandbox, "ADD", config, bin: bin)
        #expect(add.json?["code"]?.intValue == 42)
        #expect(sandbox.reservedAddresses().count == 1, "the bridge's address is still held")
        #expect(try cni(sandbox, "DEL", config, bin: bin).json?["code"]?.intValue == 11)
        #expect(sandbox.reservedAddresses().count == 1)
        _ = FileManager.default.createFile(atPath: flaky, contents: nil)
        #expect(try cni(sandbox, "DEL", config, bin: bin).status == 0)
        #expect(sandbox.reservedAddresses().isEmpty)
        #expect(try sandbox.interfaces().isEmpty)
        #expect(sandbox.cacheFiles().isEmpty)
    }

    /// The point of no return: a master result the runtime's version cannot carry.
    @Test func aResultThatCannotBeConvertedRollsBackAndPublishesNothing() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let f = PodNetworksFixture(sandbox: sandbox)
        let manifests = sandbox.dir + "/manifests"
        try FileManager.default.createDirectory(atPath: manifests, withIntermediateDirectories: true)
        try f.pod(annotations: [:]).pretty.write(toFile: manifests + "/pod.json", atomically: true, encoding: .utf8)
        let bin = try binDir(sandbox, scripts: ["noip": """
            cat >/dev/null
            [ "$CNI_COMMAND" = ADD ] && echo '{"cniVersion":"1.0.0","interfaces":[{"name":"eth0"}]}'
            exit 0
            """])
        let config = self.config(sandbox, bin: bin, [
            ("cniVersion", "0.2.0"), ("manifestDir", .string(manifests)),
            ("delegates", [["cniVersion": "1.0.0", "name": "noip", "type": "noip"], sandbox.macvlanNetwork(name: "second")]),
        ])
        let add = try sandbox.cni("ADD", config, args: f.cniArgs, extraEnv: ["CNI_PATH": bin + ":" + Harness.pluginDir])
        #expect(add.status == 1)
        #expect(add.json?["msg"]?.stringValue?.contains("no valid IP addresses") == true, "\(add.stdout)")
        #expect(sandbox.reservedAddresses().isEmpty && sandbox.cacheFiles().isEmpty)
        #expect(try sandbox.interfaces().isEmpty)
        let pod = try String(contentsOfFile: manifests + "/pod.json", encoding: .utf8)
        #expect(!pod.contains("network-status"))
    }

    @Test func aPodNamingThousandsOfNetworksIsRefusedAtOnce() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let f = PodNetworksFixture(sandbox: sandbox)
        let manifests = sandbox.dir + "/manifests"
        try FileManager.default.createDirectory(atPath: manifests, withIntermediateDirectories: true)
        let names = (0..<10_000).map { "n\($0)" }.joined(separator: ",")
        try f.pod(annotations: ["k8s.v1.cni.cncf.io/networks": names]).pretty
            .write(toFile: manifests + "/pod.json", atomically: true, encoding: .utf8)
        let config = sandbox.multusConfig([("delegates", [sandbox.bridgeNetwork(name: "cluster")]), ("manifestDir", .string(manifests))])
        let start = Date()
        let add = try sandbox.cni("ADD", config, args: f.cniArgs)
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(add.json?["code"]?.intValue == CNIError.invalidNetworkConfig)
        #expect(add.json?["msg"]?.stringValue?.contains("10001 networks, more than maxNetworksPerPod (64)") == true, "\(add.stdout)")
        #expect(sandbox.reservedAddresses().isEmpty && sandbox.cacheFiles().isEmpty)
    }

    @Test(arguments: ["verbose", "panic"])
    func aFailedAddIsWrittenToTheLogFileWhateverTheLevel(level: String) throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let log = sandbox.dir + "/logs/multus.log"
        var broken = sandbox.macvlanNetwork(name: "broken", master: "nosuch\(sandbox.id)")
        broken["cniVersion"] = "1.0.0"
        let config = sandbox.multusConfig([("delegates", [broken]), ("logFile", .string(log)), ("logLevel", .string(level))])
        let add = try sandbox.cni("ADD", config)
        #expect(add.status == 1)
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(text.contains("[error] ADD of container ctr-\(sandbox.id) failed"), "\(text)")
    }

    /// `<cniDir>/results` planted as a link to elsewhere is never written through.
    @Test func aLinkAtTheResultsCachePathIsNotFollowed() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let elsewhere = sandbox.dir + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: sandbox.cniDir, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: sandbox.cniDir + "/results", withDestinationPath: elsewhere)
        let config = sandbox.multusConfig([("delegates", [sandbox.bridgeNetwork(name: "cluster")])])
        let add = try sandbox.cni("ADD", config)
        #expect(add.status == 1, "\(add.stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty)
        #expect(sandbox.reservedAddresses().isEmpty, "the ADD was rolled back")
    }
}
