import CNISpec
import SystemSupport
import Testing
@testable import MultusInstall

/// What Go's thin_entrypoint wrote (Tests/Fixtures/GoMultus, see its README)
/// against what we write from the same primary and flags.
@Suite("the generated config and kubeconfig, against Go's thin_entrypoint's")
struct GoGeneratedConfigTests {
    static let fixtures = packageRoot + "/Tests/Fixtures/GoMultus/thin_entrypoint"

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var primary: String
        var generated: String
        var options: @Sendable (inout InstallOptions) -> Void = { _ in }
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "flannel", primary: "10-flannel.conflist", generated: "00-multus.conf"),
        Case(name: "kindnet", primary: "10-kindnet.conflist", generated: "00-multus.conflist"),
        Case(name: "flannel-options", primary: "10-flannel.conflist", generated: "00-multus.conf") { o in
            o.namespaceIsolation = true
            o.globalNamespaces = "default,infra"
            o.logToStderr = false
            o.logLevel = "Verbose"
            o.logFile = "/var/log/multus.log"
            o.additionalBinDir = "/opt/multus/bin"
            o.readinessIndicatorFile = "/run/flannel/subnet.env"
        },
    ]

    /// Objects with their members sorted, all the way down: Go re-encodes the
    /// primary with sorted keys, we keep its order.
    static func canonical(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            .object(JSONObject(object.sorted { $0.key < $1.key }.map { ($0.key, canonical($0.value)) }))
        case .array(let elements): .array(elements.map(canonical))
        default: value
        }
    }

    func read(_ path: String) throws -> [UInt8] { try #require(try FileSystem.read(path)) }

    @Test("same file name, same keys in Go's order, same values", arguments: cases)
    func configMatchesGos(_ c: Case) throws {
        let dir = Self.fixtures + "/" + c.name
        let primary = try PrimaryConfigPicker.parse(path: "/host/etc/cni/net.d/" + c.primary, bytes: try read(dir + "/" + c.primary))
        var options = InstallOptions()
        c.options(&options)
        let ours = try MultusConfigGenerator.generate(primary: primary, options: options)
        let go = try JSONValue(parsing: try read(dir + "/" + c.generated))

        #expect(ours.fileName == c.generated)
        #expect(Self.canonical(ours.json) == Self.canonical(go))
        // Go's template order, member for member (the plugin object of a conflist too).
        func keys(_ v: JSONValue) -> [String] { v.objectValue?.keys.map { $0 } ?? [] }
        #expect(keys(ours.json) == keys(go))
        if let goPlugin = go["plugins"]?.arrayValue?.first {
            #expect(keys(try #require(ours.json["plugins"]?.arrayValue?.first)) == keys(goPlugin))
        }
    }

    @Test("the kubeconfig says what Go's says, but names the token file instead of holding the token", arguments: cases)
    func kubeconfigMatchesGosButTokenFile(_ c: Case) throws {
        let dir = Self.fixtures + "/" + c.name
        let ca = Array("-----BEGIN CERTIFICATE-----\nMIIfake\n-----END CERTIFICATE-----\n".utf8)
        let ours = KubeconfigWriter.render(server: "https://10.96.0.1:443", caData: ca, skipTLSVerify: false,
                                           tokenFile: "/etc/cni/net.d/multus.d/token")
        let host = try FakeHost()
        defer { host.remove() }
        try host.write(host.root + "/ours.kubeconfig", ours)
        let docs = try loadYAML([dir + "/multus.kubeconfig", host.root + "/ours.kubeconfig"])
        var go = try #require(docs.first?["docs"]?.arrayValue?.first)
        let mine = try #require(docs.last?["docs"]?.arrayValue?.first)
        #expect(go["users"]?.arrayValue?.first?["user"] == ["token": "token-one"])
        #expect(mine["users"]?.arrayValue?.first?["user"] == ["tokenFile": "/etc/cni/net.d/multus.d/token"])
        go["users"] = [["name": "multus", "user": ["tokenFile": "/etc/cni/net.d/multus.d/token"]]]
        #expect(Self.canonical(go) == Self.canonical(mine))
    }
}
