import Testing
@testable import CNISpec

/// The error a throwing call produced, or nil when it did not throw.
private func cniError(_ body: () throws(CNIError) -> Void) -> CNIError? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}

private func pairs(_ args: CNIArgs) -> [String] { args.map { "\($0.key)=\($0.value)" } }

// MARK: - CNI_ARGS

@Suite struct CNIArgsTests {
    @Test func parsesSemicolonSeparatedPairsInOrder() throws {
        let args = try CNIArgs(parsing: "K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;IgnoreUnknown=1")
        #expect(pairs(args) == ["K8S_POD_NAMESPACE=default", "K8S_POD_NAME=web-0", "IgnoreUnknown=1"])
        #expect(args["K8S_POD_NAME"] == "web-0")
        #expect(args["MISSING"] == nil)
        #expect(args.text == "K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;IgnoreUnknown=1")
    }

    @Test func emptyCNIArgsParseToNoPairs() throws {
        let args = try CNIArgs(parsing: "")
        #expect(args.isEmpty)
        #expect(args.text == "")
    }

    @Test func valueKeepsEverythingAfterTheFirstEqualsSign() throws {
        let args = try CNIArgs(parsing: "A=b=c;EMPTY=")
        #expect(args["A"] == "b=c")
        #expect(args["EMPTY"] == "")
    }

    @Test func emptySegmentsBetweenSemicolonsAreIgnored() throws {
        let args = try CNIArgs(parsing: ";A=1;;B=2;")
        #expect(pairs(args) == ["A=1", "B=2"])
    }

    @Test(arguments: ["NOEQUALS", "A=1;BROKEN", "=value", "A=1;=2"])
    func pairWithoutKeyOrEqualsIsInvalidEnvironment(_ text: String) {
        let error = cniError { () throws(CNIError) in _ = try CNIArgs(parsing: text) }
        #expect(error?.code == CNIError.invalidEnvironment)
        #expect(error?.msg.contains("CNI_ARGS") == true)
    }

    /// Found by `make fuzz` (cni-args): `;\u{301}` is one Character, and
    /// splitting on Characters read two pairs as one, unlike the plugins.
    @Test func separatorsFollowedByACombiningMarkStillSeparate() throws {
        let args = try CNIArgs(parsing: "K8S_POD_NAME=caf\u{e9};x=\u{301};\u{301}y=z")
        #expect(pairs(args) == ["K8S_POD_NAME=caf\u{e9}", "x=\u{301}", "\u{301}y=z"])
        #expect(args.text == "K8S_POD_NAME=caf\u{e9};x=\u{301};\u{301}y=z")
    }

    @Test func repeatedKeyInTheTextKeepsOneEntryWithTheLastValue() throws {
        let args = try CNIArgs(parsing: "A=1;B=2;A=3")
        #expect(pairs(args) == ["A=3", "B=2"])
    }

    @Test func mergeKeepsNoKeyTwiceAndLaterValueWinsInPlace() throws {
        let base = try CNIArgs(parsing: "IgnoreUnknown=true;K8S_POD_NAME=a;X=1")
        let runtime = try CNIArgs(parsing: "K8S_POD_NAME=b;Y=2;IgnoreUnknown=1")
        let merged = base.merging(runtime)
        #expect(pairs(merged) == ["IgnoreUnknown=1", "K8S_POD_NAME=b", "X=1", "Y=2"])
        let keys = merged.map(\.key)
        #expect(Set(keys).count == keys.count)
    }

    @Test func settingNilRemovesAKey() throws {
        var args = try CNIArgs(parsing: "A=1;B=2")
        args["A"] = nil
        #expect(pairs(args) == ["B=2"])
    }

    @Test(arguments: [("IgnoreUnknown=1", true), ("IgnoreUnknown=true", true), ("IgnoreUnknown=TRUE", true),
                      ("IgnoreUnknown=0", false), ("IgnoreUnknown=false", false), ("K=V", false)])
    func ignoreUnknownAcceptsOneAndTrue(_ text: String, _ expected: Bool) throws {
        #expect(try CNIArgs(parsing: text).ignoreUnknown == expected)
    }

    @Test func resultsCacheFormIsAnArrayOfKeyValuePairs() throws {
        let args = try CNIArgs(parsing: "A=1;B=2")
        #expect(args.json == [["A", "1"], ["B", "2"]])
        #expect(CNIArgs(json: args.json) == args)
    }
}

// MARK: - CNI_* environment

@Suite struct CNIEnvironmentTests {
    private static let full: [String: String] = [
        "CNI_COMMAND": "ADD", "CNI_CONTAINERID": "abc123", "CNI_NETNS": "/var/run/netns/x",
        "CNI_IFNAME": "eth0", "CNI_PATH": "/opt/cni/bin:/usr/lib/cni", "CNI_ARGS": "K8S_POD_NAME=p",
    ]

    private func env(_ command: String, removing removed: [String] = [], setting set: [String: String] = [:]) -> [String: String] {
        var env = Self.full
        env["CNI_COMMAND"] = command
        for key in removed { env[key] = nil }
        for (k, v) in set { env[k] = v }
        return env
    }

    @Test func readsEveryVariable() throws {
        let parsed = try CNIEnvironment(environment: Self.full)
        #expect(parsed.command == .add)
        #expect(parsed.containerID == "abc123")
        #expect(parsed.netns == "/var/run/netns/x")
        #expect(parsed.ifName == "eth0")
        #expect(parsed.path == ["/opt/cni/bin", "/usr/lib/cni"])
        #expect(parsed.args["K8S_POD_NAME"] == "p")
    }

    @Test(arguments: ["ADD", "CHECK"], ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"])
    func addAndCheckRequireContainerIDNetnsAndIfname(_ command: String, _ variable: String) {
        for environment in [env(command, removing: [variable]), env(command, setting: [variable: ""])] {
            let error = cniError { () throws(CNIError) in _ = try CNIEnvironment(environment: environment) }
            #expect(error?.code == CNIError.invalidEnvironment)
            #expect(error?.msg.contains(variable) == true)
        }
    }

    @Test(arguments: ["CNI_CONTAINERID", "CNI_IFNAME"])
    func delRequiresContainerIDAndIfname(_ variable: String) {
        let error = cniError { () throws(CNIError) in _ = try CNIEnvironment(environment: env("DEL", removing: [variable])) }
        #expect(error?.code == CNIError.invalidEnvironment)
        #expect(error?.msg.contains(variable) == true)
    }

    @Test func delAcceptsMissingOrEmptyNetns() throws {
        #expect(try CNIEnvironment(environment: env("DEL", removing: ["CNI_NETNS"])).netns == "")
        #expect(try CNIEnvironment(environment: env("DEL", setting: ["CNI_NETNS": ""])).command == .del)
    }

    @Test(arguments: ["GC", "STATUS", "VERSION"])
    func gcStatusAndVersionNeedNoPerContainerVariables(_ command: String) throws {
        let parsed = try CNIEnvironment(environment: ["CNI_COMMAND": command])
        #expect(parsed.command.rawValue == command)
        #expect(parsed.containerID == "")
        #expect(parsed.path == [])
    }

    @Test func missingCommandIsInvalidEnvironment() {
        let error = cniError { () throws(CNIError) in _ = try CNIEnvironment(environment: env("", removing: ["CNI_COMMAND"])) }
        #expect(error?.code == CNIError.invalidEnvironment)
        #expect(error?.msg.contains("CNI_COMMAND") == true)
    }

    @Test func unknownCommandIsInvalidEnvironment() {
        let error = cniError { () throws(CNIError) in _ = try CNIEnvironment(environment: env("ATTACH")) }
        #expect(error?.code == CNIError.invalidEnvironment)
        #expect(error?.msg.contains("ATTACH") == true)
    }

    @Test func malformedCNIArgsInTheEnvironmentIsInvalidEnvironment() {
        let error = cniError { () throws(CNIError) in
            _ = try CNIEnvironment(environment: env("ADD", setting: ["CNI_ARGS": "garbage"]))
        }
        #expect(error?.code == CNIError.invalidEnvironment)
    }

    @Test(arguments: ["ADD", "CHECK"])
    func invalidContainerIDInTheEnvironmentIsRejected(command: String) {
        let error = cniError { () throws(CNIError) in
            _ = try CNIEnvironment(environment: env(command, setting: ["CNI_CONTAINERID": "../etc"]))
        }
        #expect(error?.code == CNIError.invalidEnvironment)
        #expect(error?.msg.contains("CNI_CONTAINERID") == true)
    }

    /// DEL of an ID that could never have been added succeeds (the DEL decides, doing nothing).
    @Test func delAcceptsAnyContainerID() throws {
        #expect(try CNIEnvironment(environment: env("DEL", setting: ["CNI_CONTAINERID": "../etc"])).containerID == "../etc")
    }

    @Test func invalidInterfaceNameInTheEnvironmentIsRejected() {
        let error = cniError { () throws(CNIError) in
            _ = try CNIEnvironment(environment: env("ADD", setting: ["CNI_IFNAME": "eth0:1"]))
        }
        #expect(error?.code == CNIError.invalidEnvironment)
        #expect(error?.msg.contains("CNI_IFNAME") == true)
    }
}

// MARK: - identifiers

@Suite struct ValidationTests {
    @Test(arguments: ["a", "abc123", "0abc", "A_b.c-d", "e3b0c44298fc1c149afbf4c8996fb924"])
    func containerIDMatchingTheRuleIsAccepted(_ id: String) {
        #expect(cniError { () throws(CNIError) in try Validation.containerID(id) } == nil)
    }

    @Test(arguments: ["", "_abc", "-abc", ".abc", "a b", "a/b", "a:b", "a\nb", "caf\u{E9}", "../x"])
    func containerIDBreakingTheRuleIsInvalidEnvironment(_ id: String) {
        let error = cniError { () throws(CNIError) in try Validation.containerID(id) }
        #expect(error?.code == CNIError.invalidEnvironment)
    }

    @Test(arguments: ["eth0", "n", "net1", "abcdefghijklmno", "veth-a.b_c", "e\u{E9}"])
    func interfaceNameMatchingTheRulesIsAccepted(_ name: String) {
        #expect(cniError { () throws(CNIError) in try Validation.interfaceName(name) } == nil)
    }

    @Test(arguments: ["", "abcdefghijklmnop", ".", "..", "a/b", "eth0:1", "a b", "a\tb", "eth0\n",
                      "\u{E9}\u{E9}\u{E9}\u{E9}\u{E9}\u{E9}\u{E9}\u{E9}"])
    func interfaceNameBreakingTheRulesIsInvalidEnvironment(_ name: String) {
        let error = cniError { () throws(CNIError) in try Validation.interfaceName(name) }
        #expect(error?.code == CNIError.invalidEnvironment)
    }

    @Test func interfaceNameErrorNamesTheField() {
        let error = cniError { () throws(CNIError) in try Validation.interfaceName("a/b", field: "interface") }
        #expect(error?.msg.contains("interface") == true)
        #expect(error?.msg.contains("a/b") == true)
    }
}

// MARK: - network configuration

@Suite struct NetworkConfigListTests {
    private func parse(_ text: String) throws(CNIError) -> NetworkConfigList {
        try NetworkConfigList(parsing: Array(text.utf8))
    }

    private func parseError(_ text: String) -> CNIError? {
        cniError { () throws(CNIError) in _ = try parse(text) }
    }

    @Test func singleConfIsAListOfOnePlugin() throws {
        let net = try parse(#"{"cniVersion":"1.0.0","name":"mynet","type":"bridge","bridge":"cni0"}"#)
        #expect(!net.isConflist)
        #expect(net.name == "mynet")
        #expect(net.cniVersion == .v1_0_0)
        #expect(net.plugins.map(\.type) == ["bridge"])
        #expect(net.plugins[0].object["bridge"] == "cni0")
    }

    @Test func conflistIsDetectedByItsPlugins() throws {
        let net = try parse(#"""
            {"cniVersion":"0.4.0","name":"chain","plugins":[{"type":"bridge"},{"type":"portmap","capabilities":{"portMappings":true}}]}
            """#)
        #expect(net.isConflist)
        #expect(net.cniVersion == .v0_4_0)
        #expect(net.plugins.map(\.type) == ["bridge", "portmap"])
        #expect(net.plugins[1].capabilities == ["portMappings"])
    }

    @Test func sourceKeepsTheConfigurationAsGiven() throws {
        let text = #"{"name":"n","cniVersion":"1.0.0","type":"bridge","zeta":1.50}"#
        #expect(try parse(text).source.serialized == text)
    }

    @Test func capabilitiesAreOnlyThoseDeclaredTrue() throws {
        let net = try parse(#"{"cniVersion":"1.0.0","name":"n","type":"x","capabilities":{"portMappings":true,"bandwidth":false,"mac":"true"}}"#)
        #expect(net.plugins[0].capabilities == ["portMappings"])
    }

    @Test func cniVersionsPicksTheHighestSupportedVersion() throws {
        let net = try parse(#"{"cniVersions":["0.3.1","1.1.0","9.9.9","1.0.0"],"name":"n","type":"bridge"}"#)
        #expect(net.cniVersion == .v1_1_0)
    }

    @Test func cniVersionsWinsOverCNIVersion() throws {
        let net = try parse(#"{"cniVersion":"0.3.1","cniVersions":["0.4.0","1.0.0"],"name":"n","plugins":[{"type":"bridge"}]}"#)
        #expect(net.cniVersion == .v1_0_0)
    }

    @Test func cniVersionsWithNoSupportedVersionIsIncompatible() {
        let error = parseError(#"{"cniVersions":["9.9.9","2.0.0"],"name":"n","type":"bridge"}"#)
        #expect(error?.code == CNIError.incompatibleVersion)
    }

    @Test(arguments: ["0.5.0", "2.0.0", "one", "1.0.0.0", ""])
    func unsupportedCNIVersionIsIncompatible(_ version: String) {
        let error = parseError(#"{"cniVersion":"\#(version)","name":"n","type":"bridge"}"#)
        #expect(error?.code == CNIError.incompatibleVersion)
    }

    @Test func missingTypeInAConflistPluginIsInvalidConfigNamingThePlugin() {
        let error = parseError(#"{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"bridge"},{"capabilities":{}}]}"#)
        #expect(error?.code == CNIError.invalidNetworkConfig)
        #expect(error?.msg.contains("plugins[1]") == true)
    }

    @Test func emptyTypeIsInvalidConfig() {
        let error = parseError(#"{"cniVersion":"1.0.0","name":"n","plugins":[{"type":""}]}"#)
        #expect(error?.code == CNIError.invalidNetworkConfig)
        #expect(error?.msg.contains("plugins[0]") == true)
    }

    @Test func missingTypeInAConfIsInvalidConfig() {
        #expect(parseError(#"{"cniVersion":"1.0.0","name":"n"}"#)?.code == CNIError.invalidNetworkConfig)
    }

    @Test(arguments: [#""plugins":[]"#, #""plugins":{"type":"bridge"}"#, #""plugins":["bridge"]"#])
    func malformedPluginsAreInvalidConfig(_ plugins: String) {
        #expect(parseError(#"{"cniVersion":"1.0.0","name":"n",\#(plugins)}"#)?.code == CNIError.invalidNetworkConfig)
    }

    @Test(arguments: [("true", true), (#""true""#, true), (#""TRUE""#, true), ("false", false), (#""false""#, false), ("null", false)])
    func disableCheckAndDisableGCAcceptBoolOrBoolString(_ literal: String, _ expected: Bool) throws {
        let net = try parse(#"{"cniVersion":"1.1.0","name":"n","disableCheck":\#(literal),"disableGC":\#(literal),"plugins":[{"type":"bridge"}]}"#)
        #expect(net.disableCheck == expected)
        #expect(net.disableGC == expected)
    }

    @Test func disableFlagsDefaultToFalse() throws {
        let net = try parse(#"{"cniVersion":"1.1.0","name":"n","plugins":[{"type":"bridge"}]}"#)
        #expect(!net.disableCheck)
        #expect(!net.disableGC)
    }

    @Test(arguments: ["disableCheck", "disableGC"], [#""yes""#, "1", "[]"])
    func disableFlagOfAnotherKindIsInvalidConfig(_ key: String, _ literal: String) {
        let error = parseError(#"{"cniVersion":"1.1.0","name":"n","\#(key)":\#(literal),"plugins":[{"type":"bridge"}]}"#)
        #expect(error?.code == CNIError.invalidNetworkConfig)
        #expect(error?.msg.contains(key) == true)
    }

    @Test(arguments: ["my net", "-net", ".net", "a/b", "../../etc", "net:1"])
    func invalidNetworkNameIsInvalidConfig(_ name: String) {
        let error = parseError(#"{"cniVersion":"1.0.0","name":"\#(name)","type":"bridge"}"#)
        #expect(error?.code == CNIError.invalidNetworkConfig)
    }

    @Test func missingNetworkNameIsInvalidConfig() {
        #expect(parseError(#"{"cniVersion":"1.0.0","type":"bridge"}"#)?.code == CNIError.invalidNetworkConfig)
    }

    @Test func missingNameIsAcceptedWhenTheCallerNamesTheNetwork() throws {
        var net = try NetworkConfigList(json: ["cniVersion": "1.0.0", "type": "macvlan"], nameRequired: false)
        net.rename("default-macvlan")
        #expect(net.name == "default-macvlan")
        #expect(net.source["name"] == "default-macvlan")
    }

    @Test func validNetworkNameIsAccepted() throws {
        #expect(try parse(#"{"cniVersion":"1.0.0","name":"Net_1.a-b","type":"bridge"}"#).name == "Net_1.a-b")
    }

    @Test func bytesThatAreNotJSONAreADecodingError() {
        #expect(parseError("{not json")?.code == CNIError.decodingFailure)
    }

    @Test func aNonObjectConfigurationIsADecodingError() {
        #expect(parseError("[1,2]")?.code == CNIError.decodingFailure)
    }
}
