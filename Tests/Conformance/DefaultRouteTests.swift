import CNISpec
import Foundation
import Testing

/// `default-route` when the chosen network's own IPAM installs a default route
/// too (bridge or macvlan with host-local `routes: [{dst: 0.0.0.0/0}]`):
/// afterwards exactly one default route of that family exists, via the chosen
/// gateway, and the cached results say the same.
@Suite(.enabled(if: Harness.canRun, "needs root and containernetworking-plugins in /usr/lib/cni"))
struct DefaultRouteTests {
    struct Family: Sendable {
        var subnet: @Sendable (Sandbox) -> String
        var gateway: @Sendable (String) -> String
        var defaultDestination: String
        var flag: String
    }

    static let v4 = Family(subnet: { _ in Sandbox.newSubnet() }, gateway: { PodNetworksFixture.host($0, 1) },
                           defaultDestination: "0.0.0.0/0", flag: "-4")
    static let v6 = Family(subnet: { sandbox in "fd00:\(sandbox.id.prefix(4)):\(Int.random(in: 1...0xfff)):1::/64" },
                           gateway: { $0.replacingOccurrences(of: "::/64", with: "::1") }, defaultDestination: "::/0", flag: "-6")

    @Test(arguments: [("v4", v4), ("v6", v6)])
    func exactlyOneDefaultRouteRemainsViaTheChosenGateway(name: String, family: Family) throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        func network(_ name: String, subnet: String) -> JSONValue {
            var bridge = sandbox.bridgeNetwork(name: name)
            bridge["ipam"] = ["type": "host-local", "ranges": [[["subnet": .string(subnet)]]],
                              "routes": [["dst": .string(family.defaultDestination)]], "dataDir": .string(sandbox.ipamDir)]
            return bridge
        }
        let chosenSubnet = family.subnet(sandbox)
        let gateway = family.gateway(chosenSubnet)
        let cluster = network("cluster", subnet: family.subnet(sandbox))
        var chosen = network("chosen", subnet: chosenSubnet)
        chosen["name"] = nil
        let manifests = sandbox.dir + "/manifests"
        try FileManager.default.createDirectory(atPath: manifests, withIntermediateDirectories: true)
        let f = PodNetworksFixture(sandbox: sandbox)
        try f.pod(annotations: ["k8s.v1.cni.cncf.io/networks": #"[{"name":"chosen","default-route":["\#(gateway)"]}]"#]).pretty
            .write(toFile: manifests + "/pod.json", atomically: true, encoding: .utf8)
        try PodNetworksFixture.nad(name: "chosen", namespace: f.podNamespace, config: chosen).pretty
            .write(toFile: manifests + "/nad.json", atomically: true, encoding: .utf8)
        let config = sandbox.multusConfig([("delegates", [cluster]), ("manifestDir", .string(manifests))])

        let add = try sandbox.cni("ADD", config, args: f.cniArgs)
        #expect(add.status == 0, "\(add.stdout)")
        let routes = try Harness.ip("-n", sandbox.netnsName, family.flag, "route", "show", "default")
            .split(separator: "\n").filter { !$0.isEmpty }
        #expect(routes.count == 1, "\(routes)")
        #expect(routes.first?.contains("via \(gateway) dev net1") == true, "\(routes)")
        #expect(!(routes.first?.contains("nexthop") ?? true), "not a multipath route: \(routes)")

        // The cached results say the same: the cluster network lost its default route, the chosen one has exactly ours.
        func cachedDefaults(_ file: String) throws -> [JSONValue] {
            let entry = try JSONValue(parsing: String(contentsOfFile: sandbox.cniDir + "/results/" + file, encoding: .utf8))
            return (entry["result"]?["routes"]?.arrayValue ?? []).filter { $0["dst"]?.stringValue == family.defaultDestination }
        }
        #expect(try cachedDefaults("cluster-ctr-\(sandbox.id)-eth0").isEmpty)
        #expect(try cachedDefaults("chosen-ctr-\(sandbox.id)-net1") == [["dst": .string(family.defaultDestination), "gw": .string(gateway)]])
        #expect(try sandbox.cni("DEL", config, args: f.cniArgs).status == 0)
        #expect(sandbox.reservedAddresses().isEmpty)
    }
}
