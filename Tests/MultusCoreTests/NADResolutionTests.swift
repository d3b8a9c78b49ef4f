import CNISpec
import KubeAPI
import Testing
@testable import MultusCore

/// An in-memory cluster: pods and NADs by key, counting NAD reads.
final class InMemoryCluster: ClusterState, @unchecked Sendable {
    var nads: [ObjectKey: NetworkAttachmentDefinition] = [:]
    var nadReads = 0

    func add(nad name: String, namespace: String, config: String, annotations: [String: String] = [:]) {
        var meta: JSONValue = ["name": .string(name), "namespace": .string(namespace)]
        meta["annotations"] = .object(JSONObject(annotations.map { ($0.key, JSONValue.string($0.value)) }))
        nads[ObjectKey(namespace: namespace, name: name)] = NetworkAttachmentDefinition(json: ["metadata": meta, "spec": ["config": .string(config)]])
    }

    func pod(_ key: ObjectKey) throws(KubeError) -> Pod? { nil }
    func networkAttachmentDefinitions(_ keys: [ObjectKey]) -> [Result<NetworkAttachmentDefinition?, KubeError>] {
        nadReads += keys.count
        return keys.map { .success(nads[$0]) }
    }
    func resourceClaims(_ keys: [ObjectKey]) -> [Result<ResourceClaim?, KubeError>] { keys.map { _ in .success(nil) } }
    func resourceSlices(nodeName: String, drivers: [String]) -> [Result<[ResourceSlice], KubeError>] { drivers.map { _ in .success([]) } }
    func write(_ writes: [ClusterWrite]) -> [Result<Void, KubeError>] { writes.map { _ in .success(()) } }
    func shutdown() {}
}

struct NADResolutionTests {
    let cluster = InMemoryCluster()

    func config(_ extra: String = "") throws -> MultusConfig {
        try MultusConfig(parsing: Array(#"{"cniVersion":"1.0.0","name":"m","confDir":"/nonexistent","delegates":[{"cniVersion":"1.0.0","name":"cluster","type":"bridge"}]\#(extra)}"#.utf8))
    }

    func pod(namespace: String = "apps", annotations: [String: String]) -> Pod {
        Pod(json: ["metadata": ["name": "p", "namespace": .string(namespace),
                                "annotations": .object(JSONObject(annotations.map { ($0.key, JSONValue.string($0.value)) }))]])
    }

    func networks(_ config: MultusConfig, _ pod: Pod) async throws(CNIError) -> [PlannedNetwork] {
        try await NetworkResolver(config: config, cluster: cluster).networks(podNamespace: pod.metadata.namespace, pod: pod)
    }

    @Test func nadConfigWithoutNameTakesTheNADsNameAndStatusNameIsNamespaced() async throws {
        cluster.add(nad: "fast", namespace: "apps", config: #"{"cniVersion":"1.0.0","type":"macvlan","master":"eth1"}"#)
        let planned = try await networks(try config(), pod(annotations: ["k8s.v1.cni.cncf.io/networks": "fast"]))
        #expect(planned.count == 2)
        #expect(planned[1].delegate.network.name == "fast")
        #expect(planned[1].delegate.network.source["name"] == "fast")
        #expect(planned[1].delegate.statusName == "apps/fast")
    }

    @Test func nadConfigWithoutTypeIsAConflist() async throws {
        cluster.add(nad: "chain", namespace: "apps", config: #"{"cniVersion":"1.0.0","plugins":[{"type":"bridge"},{"type":"tuning"}]}"#)
        let planned = try await networks(try config(), pod(annotations: ["k8s.v1.cni.cncf.io/networks": "chain"]))
        #expect(planned[1].delegate.network.isConflist && planned[1].delegate.network.plugins.map(\.type) == ["bridge", "tuning"])
    }

    @Test func cniArgsGoIntoEveryPluginAsArgsCNI() async throws {
        cluster.add(nad: "chain", namespace: "apps", config: #"{"cniVersion":"1.0.0","plugins":[{"type":"bridge"},{"type":"tuning","args":{"other":1}}]}"#)
        let annotation = #"[{"name":"chain","cni-args":{"vlan":"42"}}]"#
        let planned = try await networks(try config(), pod(annotations: ["k8s.v1.cni.cncf.io/networks": annotation]))
        let plugins = planned[1].delegate.network.plugins
        #expect(plugins.allSatisfy { $0.object["args"]?["cni"] == ["vlan": "42"] })
        #expect(plugins[1].object["args"]?["other"] == 1)
    }

    @Test func defaultNetworkAnnotationReplacesTheMaster() async throws {
        cluster.add(nad: "alt", namespace: "kube-system", config: #"{"cniVersion":"1.0.0","type":"ptp"}"#)
        let planned = try await networks(try config(), pod(annotations: ["v1.multus-cni.io/default-network": "alt"]))
        #expect(planned.map(\.delegate.statusName) == ["kube-system/alt"])
    }

    @Test func defaultNetworkAnnotationWithTwoNetworksIsRefused() async throws {
        await #expect(throws: CNIError.self) {
            try await networks(try config(), pod(annotations: ["v1.multus-cni.io/default-network": "a,b"]))
        }
    }

    @Test func clusterNetworkNameIsANADInTheMultusNamespace() async throws {
        cluster.add(nad: "cilium", namespace: "infra", config: #"{"cniVersion":"1.0.0","type":"cilium-cni"}"#)
        let planned = try await networks(try config(#","clusterNetwork":"cilium","multusNamespace":"infra""#), pod(annotations: [:]))
        #expect(planned.map(\.delegate.statusName) == ["infra/cilium"])
    }

    @Test func nadsAreReadOncePerReference() async throws {
        cluster.add(nad: "a", namespace: "apps", config: #"{"cniVersion":"1.0.0","type":"macvlan"}"#)
        cluster.add(nad: "b", namespace: "apps", config: #"{"cniVersion":"1.0.0","type":"macvlan"}"#)
        _ = try await networks(try config(), pod(annotations: ["k8s.v1.cni.cncf.io/networks": "a,b"]))
        #expect(cluster.nadReads == 2)
    }

    @Test func namespaceIsolationAllowsGlobalNamespaces() async throws {
        cluster.add(nad: "shared", namespace: "default", config: #"{"cniVersion":"1.0.0","type":"macvlan"}"#)
        cluster.add(nad: "private", namespace: "other", config: #"{"cniVersion":"1.0.0","type":"macvlan"}"#)
        let isolated = try config(#","namespaceIsolation":true,"globalNamespaces":"default, infra""#)
        let ok = try await networks(isolated, pod(annotations: ["k8s.v1.cni.cncf.io/networks": "default/shared"]))
        #expect(ok.count == 2)
        await #expect(throws: CNIError.self) {
            try await networks(isolated, pod(annotations: ["k8s.v1.cni.cncf.io/networks": "other/private"]))
        }
    }

    @Test func missingNADIsNamedWithItsNamespace() async throws {
        do {
            _ = try await networks(try config(), pod(annotations: ["k8s.v1.cni.cncf.io/networks": "ghost"]))
            Issue.record("expected an error")
        } catch {
            #expect((error as? CNIError)?.msg == "cannot find a network-attachment-definition (ghost) in namespace (apps)")
        }
    }
}
