import CNISpec
import Foundation
import Testing

/// The Kubernetes scenario run from a folder of manifests instead of an API
/// server (`manifestDir`): the same planning, status and teardown.
@Suite(.enabled(if: Harness.canRun, "needs root and containernetworking-plugins in /usr/lib/cni"))
struct ManifestDirectoryTests {
    private func writeManifests(_ f: PodNetworksFixture, pod: JSONValue? = nil) throws -> String {
        let dir = f.sandbox.dir + "/manifests"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try (pod ?? f.pod()).pretty.write(toFile: dir + "/pod.json", atomically: true, encoding: .utf8)
        // NADs as one multi-document YAML file (JSON documents are YAML too).
        let nads = [f.macvlanNAD, f.routedNAD].map(\.pretty).joined(separator: "\n---\n")
        try nads.write(toFile: dir + "/nads.yaml", atomically: true, encoding: .utf8)
        return dir
    }

    @Test func podAnnotationNetworksFromManifestDirectory() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let f = PodNetworksFixture(sandbox: sandbox)
        let dir = try writeManifests(f)
        let config = sandbox.multusConfig([("delegates", [f.clusterNetwork]), ("manifestDir", .string(dir))])

        let add = try sandbox.cni("ADD", config, args: f.cniArgs)
        #expect(add.status == 0, "\(add.stdout)")
        #expect(try sandbox.interfaces() == ["data0", "eth0", "net2"])
        #expect(try sandbox.ipv4Addresses(of: "data0") == [f.staticIP])
        let link = try Harness.ip("-n", sandbox.netnsName, "link", "show", "dev", "data0")
        #expect(link.contains(f.staticMAC), "\(link)")

        // Exactly one default route, via the routed network's gateway on net2.
        let routes = try Harness.ip("-n", sandbox.netnsName, "-4", "route", "show", "default")
        #expect(routes.split(separator: "\n").count == 1, "\(routes)")
        #expect(routes.contains("via \(f.routedGateway) dev net2"), "\(routes)")

        // network-status written back into the pod's file.
        let pod = try JSONValue(parsing: String(contentsOfFile: dir + "/pod.json", encoding: .utf8))
        let statusText = try #require(pod["metadata"]?["annotations"]?["k8s.v1.cni.cncf.io/network-status"]?.stringValue)
        let status = try #require(try JSONValue(parsing: statusText).arrayValue)
        #expect(status.count == 3)
        #expect(status[0]["name"] == "cluster" && status[0]["interface"] == "eth0" && status[0]["default"] == true)
        #expect(status[1]["name"] == "apps/macvlan-static" && status[1]["interface"] == "data0")
        #expect(status[1]["ips"] == [.string(String(f.staticIP.split(separator: "/")[0]))])
        #expect(status[1]["mac"]?.stringValue == f.staticMAC)
        #expect(status[1]["default"] == nil)
        #expect(status[2]["name"] == "infra/routed" && status[2]["interface"] == "net2")
        #expect(status[2]["gateway"] == [.string(f.routedGateway)])
        #expect(status[0]["gateway"] == nil, "the cluster network's default route was taken away")

        let events = try String(contentsOfFile: dir + "/events.jsonl", encoding: .utf8)
        #expect(events.contains("AddedInterface") && events.contains("Add data0 [\(f.staticIP)] from apps/macvlan-static"), "\(events)")

        #expect(try sandbox.cni("DEL", config, args: f.cniArgs).status == 0)
        #expect(try sandbox.interfaces().isEmpty)
        #expect(sandbox.reservedAddresses().isEmpty)
        #expect(sandbox.cacheFiles().isEmpty)
    }

    @Test func commaFormWithInterfaceNames() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let f = PodNetworksFixture(sandbox: sandbox)
        let dir = try writeManifests(f, pod: f.pod(annotations: ["k8s.v1.cni.cncf.io/networks": " infra/routed@blue , infra/routed "]))
        let config = sandbox.multusConfig([("delegates", [sandbox.bridgeNetwork(name: "cluster")]), ("manifestDir", .string(dir))])
        let add = try sandbox.cni("ADD", config, args: f.cniArgs)
        #expect(add.status == 0, "\(add.stdout)")
        // A custom name does not renumber the rest: the third network is net2.
        #expect(try sandbox.interfaces() == ["blue", "eth0", "net2"])
        #expect(try sandbox.cni("DEL", config, args: f.cniArgs).status == 0)
        #expect(sandbox.reservedAddresses().isEmpty)
    }

    @Test(arguments: [
        ("[{\"name\": \"routed\", \"namespace\": \"infra\", \"mac\": \"not-a-mac\"}]", "not-a-mac"),
        ("[{\"name\": \"routed\", \"namespace\": \"infra\", \"ips\": [\"10.1.1.300/24\"]}]", "10.1.1.300/24"),
        ("Infra/Routed", "Infra"),
        ("{\"name\": \"routed\"}", "array"),
        ("infra/missing-nad", "missing-nad"),
    ])
    func badAnnotationsFailWithTheValueNamedAndLeaveNothing(annotation: String, named: String) throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let f = PodNetworksFixture(sandbox: sandbox)
        let dir = try writeManifests(f, pod: f.pod(annotations: ["k8s.v1.cni.cncf.io/networks": annotation]))
        let config = sandbox.multusConfig([("delegates", [sandbox.bridgeNetwork(name: "cluster")]), ("manifestDir", .string(dir))])
        let add = try sandbox.cni("ADD", config, args: f.cniArgs)
        #expect(add.status == 1)
        #expect(add.json?["msg"]?.stringValue?.contains(named) == true, "\(add.stdout)")
        #expect(try sandbox.interfaces().isEmpty)
        #expect(sandbox.reservedAddresses().isEmpty)
        #expect(sandbox.cacheFiles().isEmpty)
    }

    @Test func namespaceIsolationRefusesACrossNamespaceReference() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let f = PodNetworksFixture(sandbox: sandbox)
        let dir = try writeManifests(f)
        let config = sandbox.multusConfig([("delegates", [sandbox.bridgeNetwork(name: "cluster")]), ("manifestDir", .string(dir)),
                                           ("namespaceIsolation", true)])
        let add = try sandbox.cni("ADD", config, args: f.cniArgs)
        #expect(add.status == 1)
        let msg = add.json?["msg"]?.stringValue ?? ""
        #expect(msg.contains("\"apps\"") && msg.contains("\"infra\""), "\(msg)")
        #expect(try sandbox.interfaces().isEmpty)
        #expect(sandbox.cacheFiles().isEmpty)
    }

    @Test func uidMismatchFailsUnlessStaticPod() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let f = PodNetworksFixture(sandbox: sandbox)
        let dir = try writeManifests(f, pod: f.pod(annotations: [:], uid: "someone-else"))
        let config = sandbox.multusConfig([("delegates", [sandbox.bridgeNetwork(name: "cluster")]), ("manifestDir", .string(dir))])
        let add = try sandbox.cni("ADD", config, args: f.cniArgs)
        #expect(add.status == 1)
        #expect(add.json?["msg"]?.stringValue?.contains("someone-else") == true, "\(add.stdout)")
        #expect(try sandbox.interfaces().isEmpty)

        // A static pod's API object is a mirror with its own UID: accepted.
        _ = try writeManifests(f, pod: f.pod(annotations: ["kubernetes.io/config.source": "file"], uid: "mirror-uid"))
        let staticAdd = try sandbox.cni("ADD", config, args: f.cniArgs)
        #expect(staticAdd.status == 0, "\(staticAdd.stdout)")
        #expect(try sandbox.cni("DEL", config, args: f.cniArgs).status == 0)
    }

    @Test func defaultRouteRequestsAreLimitedToOnePerFamily() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let f = PodNetworksFixture(sandbox: sandbox)
        let twoGateways = "[{\"name\":\"routed\",\"namespace\":\"infra\",\"default-route\":[\"10.9.9.1\",\"10.9.9.2\"]}]"
        let dir = try writeManifests(f, pod: f.pod(annotations: ["k8s.v1.cni.cncf.io/networks": twoGateways]))
        let config = sandbox.multusConfig([("delegates", [sandbox.bridgeNetwork(name: "cluster")]), ("manifestDir", .string(dir))])
        let add = try sandbox.cni("ADD", config, args: f.cniArgs)
        #expect(add.json?["msg"]?.stringValue?.contains("ECMP") == true, "\(add.stdout)")
        #expect(try sandbox.interfaces().isEmpty)
    }
}
