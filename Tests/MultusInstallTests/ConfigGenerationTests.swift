import SystemSupport
import CNISpec
import Testing
@testable import MultusInstall

@Suite("--multus-conf-file=auto: picking the primary and generating 00-multus")
struct ConfigGenerationTests {
    @Test("Cilium-like conflist (0.3.1, one cilium-cni plugin) → 00-multus.conf with the delegate inline")
    func ciliumConflistBecomesDelegateOfMultusConf() throws {
        let host = try FakeHost()
        defer { host.remove() }
        try host.write(host.netd + "/05-cilium.conflist", Fixtures.cilium)

        let installer = Installer(options: host.options, log: .silent)
        try installer.start()

        let conf = try #require(try host.json(host.netd + "/00-multus.conf"))
        #expect(conf["cniVersion"] == "0.3.1")
        #expect(conf["name"] == "multus-cni-network")
        #expect(conf["type"] == "multus", "Go's name: the binary is installed as multus")
        #expect(conf["kubeconfig"] == "/etc/cni/net.d/multus.d/multus.kubeconfig")
        #expect(conf["capabilities"] == nil, "cilium declares no capabilities")
        let delegates = try #require(conf["delegates"]?.arrayValue)
        #expect(delegates.count == 1)
        // Inline and lossless: member order and all keys as in the file.
        #expect(delegates[0].serialized == (try JSONValue(parsing: Fixtures.cilium)).serialized)
        #expect(!FileSystem.exists(host.netd + "/00-multus.conflist"))
        // The result is a configuration a runtime accepts.
        let list = try NetworkConfigList(json: conf)
        #expect(list.plugins.map(\.type) == ["multus"])
    }

    @Test("flannel-like conflist with portmap → capabilities union includes portMappings")
    func flannelPortmapCapabilitiesAreUnited() throws {
        let host = try FakeHost()
        defer { host.remove() }
        try host.write(host.netd + "/10-flannel.conflist", Fixtures.flannel)

        try Installer(options: host.options, log: .silent).start()

        let conf = try #require(try host.json(host.netd + "/00-multus.conf"))
        #expect(conf["capabilities"] == ["portMappings": true])
        #expect(conf["delegates"]?.arrayValue?.first?["name"] == "cbr0")
    }

    @Test("capabilities are the union over every plugin of a conflist, true ones only")
    func capabilitiesUnionOverAllPlugins() throws {
        let kindnet = try JSONValue(parsing: Fixtures.kindnet)
        let union = MultusConfigGenerator.capabilities(of: kindnet)
        #expect(union.keys == ["portMappings", "bandwidth"])
        #expect(union.allSatisfy { $0.value == true })
    }

    @Test("a 0.3.1 single conf primary → 00-multus.conf delegating to that conf")
    func singleConfPrimary() throws {
        let host = try FakeHost()
        defer { host.remove() }
        try host.write(host.netd + "/10-bridge.conf", Fixtures.bridgeConf)

        try Installer(options: host.options, log: .silent).start()

        let conf = try #require(try host.json(host.netd + "/00-multus.conf"))
        #expect(conf["cniVersion"] == "0.3.1")
        #expect(conf["capabilities"] == ["bandwidth": true])
        #expect(conf["delegates"] == [try JSONValue(parsing: Fixtures.bridgeConf)])
    }

    @Test("a 1.0.0 conflist primary → 00-multus.conflist, one multus plugin")
    func conflistForCNI1() throws {
        let host = try FakeHost()
        defer { host.remove() }
        try host.write(host.netd + "/10-kindnet.conflist", Fixtures.kindnet)

        try Installer(options: host.options, log: .silent).start()

        #expect(!FileSystem.exists(host.netd + "/00-multus.conf"))
        let list = try #require(try host.json(host.netd + "/00-multus.conflist"))
        #expect(list["cniVersion"] == "1.0.0")
        #expect(list["name"] == "multus-cni-network")
        #expect(list["type"] == nil)
        let plugins = try #require(list["plugins"]?.arrayValue)
        #expect(plugins.count == 1)
        #expect(plugins[0]["type"] == "multus")
        #expect(plugins[0]["capabilities"] == ["portMappings": true, "bandwidth": true])
        #expect(plugins[0]["kubeconfig"] == "/etc/cni/net.d/multus.d/multus.kubeconfig")
        #expect(plugins[0]["delegates"] == [try JSONValue(parsing: Fixtures.kindnet)])
        let parsed = try NetworkConfigList(json: list)
        #expect(parsed.isConflist && parsed.cniVersion == .v1_0_0)
    }

    @Test("1.1.0 is ≥ 1.0.0 too: a conflist")
    func conflistForCNI11() throws {
        let primary = try PrimaryConfigPicker.parse(path: "/x/10-a.conf",
            bytes: Array(#"{"cniVersion":"1.1.0","name":"a","type":"ptp"}"#.utf8))
        let generated = try MultusConfigGenerator.generate(primary: primary, options: InstallOptions())
        #expect(generated.fileName == "00-multus.conflist")
        #expect(generated.json["cniVersion"] == "1.1.0")
    }

    @Test("writing a 1.1.0 config warns that containerd 1.6 cannot parse 1.1.0 results; 1.0.0 does not warn")
    func cniVersion110Warns() throws {
        let host = try FakeHost()
        defer { host.remove() }
        try host.write(host.netd + "/10-ptp.conf", #"{"cniVersion":"1.1.0","name":"a","type":"ptp"}"#)
        let recorder = LogRecorder()
        try Installer(options: host.options, log: recorder.log).start()
        #expect(FileSystem.exists(host.netd + "/00-multus.conflist"))
        let warnings = recorder.lines.filter { $0.hasPrefix("[warning] ") }
        #expect(warnings.count == 1, "\(recorder.lines)")
        #expect(warnings.first?.contains("cniVersion 1.1.0 (from \(host.netd)/10-ptp.conf)") == true)
        #expect(warnings.first?.contains("containerd 1.6") == true && warnings.first?.contains("--cni-version=1.0.0 --force-cni-version") == true)

        let older = try PrimaryConfigPicker.parse(path: "/x/10-a.conf", bytes: Array(#"{"cniVersion":"1.0.0","name":"a","type":"ptp"}"#.utf8))
        #expect(try MultusConfigGenerator.generate(primary: older, options: InstallOptions()).warnings.isEmpty)
        // Forcing 1.0.0 on a 1.1.0 primary is the way out, and is quiet.
        var forced = InstallOptions()
        forced.cniVersion = "1.0.0"
        forced.forceCNIVersion = true
        let primary = try PrimaryConfigPicker.parse(path: "/x/10-a.conf", bytes: Array(#"{"cniVersion":"1.1.0","name":"a","type":"ptp"}"#.utf8))
        #expect(try MultusConfigGenerator.generate(primary: primary, options: forced).warnings.isEmpty)
    }

    @Test("a primary without cniVersion is a clear error naming the file")
    func missingCNIVersionIsAClearError() throws {
        let host = try FakeHost()
        defer { host.remove() }
        try host.write(host.netd + "/10-flannel.conflist", #"{"name":"cbr0","plugins":[{"type":"flannel"}]}"#)

        #expect {
            try PrimaryConfigPicker.pick(directory: host.netd)
        } throws: { error in
            guard case InstallError.primaryConfig(let message) = error else { return false }
            return message.contains(host.netd + "/10-flannel.conflist") && message.contains("no \"cniVersion\"")
        }

        // The installer reports it, writes nothing, and keeps trying.
        let recorder = LogRecorder()
        try Installer(options: host.options, log: recorder.log).start()
        #expect(!FileSystem.exists(host.netd + "/00-multus.conf"))
        #expect(recorder.lines.contains { $0.hasPrefix("[error]") && $0.contains("no \"cniVersion\"") })
    }

    @Test("an unsupported cniVersion or broken JSON in the primary is an error too")
    func unsupportedVersionAndBadJSON() throws {
        #expect(throws: InstallError.self) {
            try PrimaryConfigPicker.parse(path: "/x/a.conf", bytes: Array(#"{"cniVersion":"9.9.9","type":"x"}"#.utf8))
        }
        #expect(throws: InstallError.self) {
            try PrimaryConfigPicker.parse(path: "/x/a.conf", bytes: Array(#"{"cniVersion":"0.3.1","type":"#.utf8))
        }
        // cniVersions (libcni ≥ 1.2) without cniVersion: the highest one we speak.
        let p = try PrimaryConfigPicker.parse(path: "/x/a.conflist",
            bytes: Array(#"{"cniVersions":["0.3.1","1.0.0","9.0.0"],"name":"n","plugins":[{"type":"ptp"}]}"#.utf8))
        #expect(p.cniVersion == .v1_0_0)
    }

    @Test("own files are skipped: 00-multus.conf*, and any config of type multus or multus-swift")
    func ownFilesAreSkipped() throws {
        let host = try FakeHost()
        defer { host.remove() }
        try host.write(host.netd + "/00-multus.conf", #"{"cniVersion":"0.3.1","name":"m","type":"multus","delegates":[]}"#)
        try host.write(host.netd + "/00-multus.conflist", #"{"cniVersion":"1.0.0","name":"m","plugins":[{"type":"multus-swift"}]}"#)
        try host.write(host.netd + "/01-old-multus.conf", #"{"cniVersion":"0.3.1","name":"m","type":"multus"}"#)
        try host.write(host.netd + "/02-swift.conflist", #"{"cniVersion":"0.4.0","name":"m","plugins":[{"type":"multus-swift"}]}"#)
        try host.write(host.netd + "/03-notes.json", #"{"cniVersion":"0.3.1","name":"n","type":"bridge"}"#)
        try host.write(host.netd + "/04-backup.conf.bak", "not json")
        try host.write(host.netd + "/10-flannel.conflist", Fixtures.flannel)
        try host.write(host.netd + "/20-other.conf", Fixtures.bridgeConf)

        let primary = try #require(try PrimaryConfigPicker.pick(directory: host.netd))
        #expect(primary.fileName == "10-flannel.conflist")
        #expect(primary.isConflist)
    }

    @Test("--multus-master-cni-file-name picks that file; --multus-autoconfig-dir looks elsewhere")
    func masterFileNameAndAutoconfigDir() throws {
        let host = try FakeHost()
        defer { host.remove() }
        let elsewhere = host.root + "/autoconfig"
        try host.write(elsewhere + "/10-flannel.conflist", Fixtures.flannel)
        try host.write(elsewhere + "/20-bridge.conf", Fixtures.bridgeConf)
        var options = host.options
        options.multusAutoconfigDir = elsewhere
        options.multusMasterCNIFileName = "20-bridge.conf"

        try Installer(options: options, log: .silent).start()

        let conf = try #require(try host.json(host.netd + "/00-multus.conf"))
        #expect(conf["delegates"]?.arrayValue?.first?["name"] == "k8s-pod-network")
        #expect(!FileSystem.exists(elsewhere + "/00-multus.conf"))
    }

    @Test("flags become the config's logging, readiness, namespace and directory keys")
    func flagsBecomeConfigKeys() throws {
        let primary = try PrimaryConfigPicker.parse(path: "/x/10-flannel.conflist", bytes: Array(Fixtures.flannel.utf8))
        var options = InstallOptions()
        options.multusKubeconfigFileHost = "/etc/kubernetes/multus.kubeconfig"
        options.logLevel = "Verbose"
        options.logFile = "/var/log/multus.log"
        options.logToStderr = false
        options.namespaceIsolation = true
        options.globalNamespaces = "default,shared"
        options.readinessIndicatorFile = "/run/flannel/subnet.env"
        options.additionalBinDir = "/opt/multus/bin"
        options.multusCNIConfDir = "/etc/cni/multus/net.d"
        options.overrideNetworkName = true

        let conf = try MultusConfigGenerator.generate(primary: primary, options: options).json
        #expect(conf["name"] == "cbr0")
        #expect(conf["logLevel"] == "verbose")
        #expect(conf["logFile"] == "/var/log/multus.log")
        #expect(conf["logToStderr"] == false)
        #expect(conf["namespaceIsolation"] == true)
        #expect(conf["globalNamespaces"] == "default,shared")
        #expect(conf["readinessindicatorfile"] == "/run/flannel/subnet.env")
        #expect(conf["binDir"] == "/opt/multus/bin")
        #expect(conf["cniConf"] == "/etc/cni/multus/net.d", "Go's key, which no plugin reads")
        #expect(conf["confDir"] == nil)
        #expect(conf["kubeconfig"] == "/etc/kubernetes/multus.kubeconfig")
        #expect(conf.objectValue?.keys.first == "cniVersion")
        #expect(conf.objectValue?.keys.last == "delegates")

        // Defaults add none of the optional keys; cniConf has Go's default.
        let plain = try MultusConfigGenerator.generate(primary: primary, options: InstallOptions()).json
        #expect(plain.objectValue?.keys == ["cniVersion", "name", "type", "capabilities", "cniConf", "kubeconfig", "delegates"])
        #expect(plain["cniConf"] == "/host/etc/cni/multus/net.d")
    }

    @Test("--cni-version must match the primary unless forced; a bad --multus-log-level is refused")
    func cniVersionFlag() throws {
        let primary = try PrimaryConfigPicker.parse(path: "/x/10-flannel.conflist", bytes: Array(Fixtures.flannel.utf8))
        var options = InstallOptions()
        options.cniVersion = "1.0.0"
        #expect(throws: InstallError.self) { try MultusConfigGenerator.generate(primary: primary, options: options) }
        options.forceCNIVersion = true
        let forced = try MultusConfigGenerator.generate(primary: primary, options: options)
        #expect(forced.fileName == "00-multus.conflist")
        #expect(forced.json["plugins"]?.arrayValue?.first?["delegates"]?.arrayValue?.first?["cniVersion"] == "1.0.0")

        var bad = InstallOptions()
        bad.logLevel = "chatty"
        #expect(throws: InstallError.self) { try bad.validate() }
    }

    @Test("no primary yet: nothing is written, and the config appears once the primary does")
    func waitsForThePrimary() throws {
        let host = try FakeHost()
        defer { host.remove() }
        let installer = Installer(options: host.options, log: .silent)
        try installer.start()
        #expect(FileSystem.list(host.netd) == ["multus.d"])

        try host.write(host.netd + "/05-cilium.conflist", Fixtures.cilium)
        #expect(installer.poll())
        #expect(FileSystem.exists(host.netd + "/00-multus.conf"))
        #expect(!installer.poll(), "nothing changed, nothing written")
    }

    @Test("a stale 00-multus.conf (older Multus, or ours before a version change) is removed when writing the conflist")
    func staleSiblingIsRemoved() throws {
        let host = try FakeHost()
        defer { host.remove() }
        try host.write(host.netd + "/00-multus.conf", #"{"cniVersion":"0.3.1","name":"multus-cni-network","type":"multus","delegates":[{}]}"#)
        try host.write(host.netd + "/10-kindnet.conflist", Fixtures.kindnet)

        try Installer(options: host.options, log: .silent).start()

        #expect(!FileSystem.exists(host.netd + "/00-multus.conf"))
        #expect(FileSystem.exists(host.netd + "/00-multus.conflist"))
    }
}
