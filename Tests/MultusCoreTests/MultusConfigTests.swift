import CNISpec
import Testing
@testable import MultusCore

@Suite struct MultusConfigTests {
    static let delegate = #"{"cniVersion":"1.0.0","name":"default","type":"bridge"}"#

    private func parse(_ text: String) throws(CNIError) -> MultusConfig {
        try MultusConfig(parsing: Array(text.utf8))
    }

    private func parseError(_ text: String) -> CNIError? {
        do { _ = try parse(text); return nil } catch { return error }
    }

    /// A config with one inline delegate plus `fields` (a JSON members fragment, may be empty).
    private func config(_ fields: String = "") -> String {
        #"{"name":"multus","cniVersion":"1.0.0",\#(fields.isEmpty ? "" : fields + ",")"delegates":[\#(Self.delegate)]}"#
    }

    @Test func everyOptionalKeyHasMultusDefault() throws {
        let c = try parse(config())
        #expect(c.confDir == "/etc/cni/multus/net.d")
        #expect(c.cniDir == "/var/lib/cni/multus")
        #expect(c.binDir == "/opt/cni/bin")
        #expect(c.clusterNetwork == nil)
        #expect(c.defaultNetworks == [])
        #expect(c.kubeconfig == nil)
        #expect(c.readinessIndicatorFile == nil)
        #expect(c.namespaceIsolation == false)
        #expect(c.globalNamespaces == ["default"])
        #expect(c.systemNamespaces == ["kube-system"])
        #expect(c.multusNamespace == "kube-system")
        #expect(c.retryDeleteOnError == false)
        #expect(c.auxiliaryCNIChainName == nil)
        #expect(c.runtimeConfig.isEmpty)
        #expect(c.log.logFile == nil)
        #expect(c.log.logLevel == .panic)
        #expect(c.log.logToStderr == true)
        #expect(c.log.logOptions.maxSize == 100)
        #expect(c.log.logOptions.maxAge == 5)
        #expect(c.log.logOptions.maxBackups == 5)
        #expect(c.log.logOptions.compress == true)
        #expect(c.delegates.count == 1)
    }

    @Test func nullCountsAsAbsent() throws {
        let c = try parse(config(#""confDir":null,"cniDir":null,"systemNamespaces":null,"retryDeleteOnError":null,"globalNamespaces":null"#))
        #expect(c.confDir == "/etc/cni/multus/net.d")
        #expect(c.cniDir == "/var/lib/cni/multus")
        #expect(c.systemNamespaces == ["kube-system"])
        #expect(c.retryDeleteOnError == false)
        #expect(c.globalNamespaces == ["default"])
    }

    @Test func givenValuesReplaceTheDefaults() throws {
        let c = try parse(config(#"""
            "confDir":"/c","cniDir":"/d","binDir":"/b","clusterNetwork":"k8s-pod-network",
            "defaultNetworks":["one","two"],"kubeconfig":"/k","readinessindicatorfile":"/r",
            "namespaceIsolation":true,"systemNamespaces":["infra","kube-system"],"multusNamespace":"multus",
            "retryDeleteOnError":true,"auxiliaryCNIChainName":"aux","runtimeConfig":{"portMappings":[]}
            """#))
        #expect(c.confDir == "/c")
        #expect(c.cniDir == "/d")
        #expect(c.binDir == "/b")
        #expect(c.clusterNetwork == "k8s-pod-network")
        #expect(c.defaultNetworks == ["one", "two"])
        #expect(c.kubeconfig == "/k")
        #expect(c.readinessIndicatorFile == "/r")
        #expect(c.namespaceIsolation)
        #expect(c.systemNamespaces == ["infra", "kube-system"])
        #expect(c.multusNamespace == "multus")
        #expect(c.retryDeleteOnError)
        #expect(c.auxiliaryCNIChainName == "aux")
        #expect(c.runtimeConfig["portMappings"] == [])
    }

    @Test(arguments: [("default", ["default"]), ("a,b", ["a", "b"]), (" a , b ,c ", ["a", "b", "c"]),
                      ("a,,b,", ["a", "b"]), ("", [])])
    func globalNamespacesAreParsedFromACommaSeparatedString(_ text: String, _ expected: [String]) throws {
        #expect(try parse(config(#""globalNamespaces":"\#(text)""#)).globalNamespaces == expected)
    }

    @Test(arguments: [
        ("confDir", "5", "confDir"), ("cniDir", "true", "cniDir"), ("binDir", "[]", "binDir"),
        ("clusterNetwork", "1", "clusterNetwork"), ("defaultNetworks", #""net""#, "defaultNetworks"),
        ("defaultNetworks", #"["ok",1]"#, "defaultNetworks[1]"), ("kubeconfig", "{}", "kubeconfig"),
        ("namespaceIsolation", #""true""#, "namespaceIsolation"), ("globalNamespaces", #"["a"]"#, "globalNamespaces"),
        ("systemNamespaces", #""kube-system""#, "systemNamespaces"), ("systemNamespaces", "[1]", "systemNamespaces[0]"),
        ("multusNamespace", "1", "multusNamespace"), ("retryDeleteOnError", #""false""#, "retryDeleteOnError"),
        ("auxiliaryCNIChainName", "1", "auxiliaryCNIChainName"), ("runtimeConfig", "[]", "runtimeConfig"),
        ("readinessindicatorfile", "1", "readinessindicatorfile"), ("logFile", "1", "logFile"),
        ("logToStderr", #""yes""#, "logToStderr"), ("logOptions", "1", "logOptions"),
    ])
    func fieldOfTheWrongTypeIsInvalidConfigNamingTheField(_ key: String, _ literal: String, _ named: String) {
        let error = parseError(config(#""\#(key)":\#(literal)"#))
        #expect(error?.code == CNIError.invalidNetworkConfig)
        #expect(error?.msg.contains(named) == true, "\(error?.msg ?? "no error")")
    }

    @Test func delegatesThatAreNotAnArrayAreInvalidConfig() {
        let error = parseError(#"{"name":"multus","cniVersion":"1.0.0","delegates":{"type":"bridge"}}"#)
        #expect(error?.code == CNIError.invalidNetworkConfig)
        #expect(error?.msg.contains("delegates") == true)
    }

    @Test func delegateThatIsNotAnObjectIsInvalidConfigNamingIt() {
        let error = parseError(#"{"name":"multus","cniVersion":"1.0.0","delegates":[\#(Self.delegate),"bridge"]}"#)
        #expect(error?.code == CNIError.invalidNetworkConfig)
        #expect(error?.msg.contains("delegates[1]") == true)
    }

    @Test(arguments: [
        #"{"name":"multus","cniVersion":"1.0.0"}"#,
        #"{"name":"multus","cniVersion":"1.0.0","delegates":[]}"#,
        #"{"name":"multus","cniVersion":"1.0.0","clusterNetwork":""}"#,
        #"{"name":"multus","cniVersion":"1.0.0","delegates":null,"clusterNetwork":null}"#,
    ])
    func neitherDelegatesNorClusterNetworkIsInvalidConfig(_ text: String) {
        let error = parseError(text)
        #expect(error?.code == CNIError.invalidNetworkConfig)
        #expect(error?.msg.contains("delegates") == true)
        #expect(error?.msg.contains("clusterNetwork") == true)
    }

    @Test func clusterNetworkAloneIsEnough() throws {
        let c = try parse(#"{"name":"multus","cniVersion":"1.0.0","clusterNetwork":"/etc/cni/net.d/10-flannel.conflist"}"#)
        #expect(c.clusterNetwork == "/etc/cni/net.d/10-flannel.conflist")
        #expect(c.delegates.isEmpty)
    }

    @Test func unsupportedCNIVersionIsIncompatible() {
        #expect(parseError(#"{"name":"multus","cniVersion":"0.5.0","delegates":[\#(Self.delegate)]}"#)?.code
            == CNIError.incompatibleVersion)
    }

    @Test func bytesThatAreNotJSONAreADecodingError() {
        #expect(parseError("{nope")?.code == CNIError.decodingFailure)
        #expect(parseError("[]")?.code == CNIError.decodingFailure)
    }
}
