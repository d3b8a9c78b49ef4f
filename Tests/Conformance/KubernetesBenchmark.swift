import CNISpec
import Foundation
import KubeAPIServerDouble
import Testing

/// `make bench` only (MULTUS_SWIFT_BENCH=1): ADD of a pod with three networks
/// (cluster bridge + two NADs) against the local API server double, against the
/// same plugins run directly. Prints figures; asserts nothing about time.
@Suite(.enabled(if: Harness.canRun && ProcessInfo.processInfo.environment["MULTUS_SWIFT_BENCH"] != nil,
                "set MULTUS_SWIFT_BENCH=1 (make bench) to run"))
struct KubernetesBenchmark {
    @Test func addOverheadWithTheAPIServer() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let f = PodNetworksFixture(sandbox: sandbox)
        let pki = try KubeAPIServerDouble.makeTestPKI(in: sandbox.dir + "/pki")
        let server = try await KubeAPIServerDouble.start(pki: pki)
        defer { Task { await server.shutdown() } }
        let macvlan = sandbox.macvlanNetwork(name: "macvlan-net")
        let bridge = sandbox.bridgeNetwork(name: "second")
        let annotation = "[{\"name\":\"macvlan-net\"},{\"name\":\"second\"}]"
        _ = server.seed(f.pod(annotations: ["k8s.v1.cni.cncf.io/networks": annotation]))
        _ = server.seed(PodNetworksFixture.nad(name: "macvlan-net", namespace: f.podNamespace, config: macvlan))
        _ = server.seed(PodNetworksFixture.nad(name: "second", namespace: f.podNamespace, config: bridge))
        try server.writeKubeconfig(to: sandbox.dir + "/kubeconfig")
        let cluster = sandbox.bridgeNetwork(name: "cluster")
        let config = sandbox.multusConfig([("delegates", [cluster]), ("kubeconfig", .string(sandbox.dir + "/kubeconfig"))])

        let runs = 20
        var multusTotal = 0.0, directTotal = 0.0
        for _ in 0..<runs {
            server.resetCounters()
            let start = Date()
            let add = try sandbox.cni("ADD", config, args: f.cniArgs)
            multusTotal += Date().timeIntervalSince(start)
            #expect(add.status == 0, "\(add.stdout)")
            _ = try sandbox.cni("DEL", config, args: f.cniArgs)

            let direct = Date()
            for (net, ifName) in [(cluster, "eth0"), (macvlan, "net1"), (bridge, "net2")] {
                _ = try Harness.run("\(Harness.pluginDir)/\(net["type"]!.stringValue!)", [], environment: [
                    "CNI_COMMAND": "ADD", "CNI_CONTAINERID": "direct", "CNI_NETNS": sandbox.netnsPath, "CNI_IFNAME": ifName,
                    "CNI_PATH": Harness.pluginDir], stdin: net.serialized)
            }
            directTotal += Date().timeIntervalSince(direct)
            for (net, ifName) in [(bridge, "net2"), (macvlan, "net1"), (cluster, "eth0")] {
                _ = try Harness.run("\(Harness.pluginDir)/\(net["type"]!.stringValue!)", [], environment: [
                    "CNI_COMMAND": "DEL", "CNI_CONTAINERID": "direct", "CNI_NETNS": sandbox.netnsPath, "CNI_IFNAME": ifName,
                    "CNI_PATH": Harness.pluginDir], stdin: net.serialized)
            }
        }
        let m = multusTotal / Double(runs) * 1000, d = directTotal / Double(runs) * 1000
        print(String(format: "BENCH ADD, 3 networks, API server double: multus-swift %.2f ms, direct %.2f ms, overhead %.2f ms", m, d, m - d))
        print("BENCH API requests per ADD: \(server.requests.count) (\(server.requests.map { "\($0.method) \($0.path)" }.joined(separator: ", "))), connections: \(server.connectionCount)")
    }
}
