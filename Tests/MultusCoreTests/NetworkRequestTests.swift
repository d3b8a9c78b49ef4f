import CNISpec
import KubeAPI
import Testing
@testable import MultusCore

/// Which networks a pod asks for, in Multus's order (pure: no files, no API).
@Suite struct NetworkRequestTests {
    func config(_ fields: String) throws -> MultusConfig {
        try multusConfig(#"{"name":"m","cniVersion":"1.0.0",\#(fields)}"#)
    }

    func pod(namespace: String = "apps", _ annotations: [String: String]) -> Pod {
        Pod(json: ["metadata": ["name": "p", "namespace": .string(namespace), "uid": "u",
                                "annotations": .object(JSONObject(annotations.map { ($0.key, JSONValue.string($0.value)) }))]])
    }

    @Test func everyInlineDelegateIsAttachedAndTheFirstIsTheMaster() throws {
        let request = NetworkRequest(config: try config(#""delegates":[\#(conf("a", type: "x")),\#(conf("b", type: "y"))]"#))
        #expect(request.master == .inline(try JSONValue(parsing: conf("a", type: "x")), index: 0))
        #expect(request.inlineExtras.count == 1)
    }

    @Test func clusterNetworkWinsOverDelegatesAndBringsTheDefaultNetworks() throws {
        let c = try config(#""clusterNetwork":"/etc/x.conf","defaultNetworks":["one","two"],"delegates":[\#(conf("a", type: "x"))]"#)
        let request = NetworkRequest(config: c)
        #expect(request.master == .configured("/etc/x.conf", field: "clusterNetwork"))
        #expect(request.inlineExtras.isEmpty)
        #expect(request.defaults == [.configured("one", field: "defaultNetworks[0]"), .configured("two", field: "defaultNetworks[1]")])
    }

    /// Go Multus reads defaultNetworks only with clusterNetwork (GetDefaultNetworks).
    @Test func defaultNetworksNeedClusterNetwork() throws {
        let request = NetworkRequest(config: try config(#""defaultNetworks":["one"],"delegates":[\#(conf("a", type: "x"))]"#))
        #expect(request.defaults.isEmpty)
    }

    @Test func defaultNetworksAreSkippedForPodsInSystemNamespaces() throws {
        let c = try config(#""clusterNetwork":"/etc/x.conf","defaultNetworks":["one"],"systemNamespaces":["infra"]"#)
        #expect(try NetworkRequest(config: c, podNamespace: "infra", pod: nil).defaults.isEmpty)
        #expect(try NetworkRequest(config: c, podNamespace: "apps", pod: nil).defaults.count == 1)
    }

    @Test func annotationNetworksFollowInOrder() throws {
        let c = try config(#""clusterNetwork":"/etc/x.conf""#)
        let request = try NetworkRequest(config: c, podNamespace: "apps",
                                         pod: pod(["k8s.v1.cni.cncf.io/networks": "a, other/b@data0"]))
        #expect(request.selections.map(\.key.description) == ["apps/a", "other/b"])
        #expect(request.count == 3)
    }

    @Test func defaultNetworkAnnotationReplacesTheMasterInTheMultusNamespace() throws {
        let c = try config(#""multusNamespace":"multus","delegates":[\#(conf("a", type: "x")),\#(conf("b", type: "y"))]"#)
        let request = try NetworkRequest(config: c, podNamespace: "apps",
                                         pod: pod(["v1.multus-cni.io/default-network": "fast-net"]))
        #expect(request.master == .nad(ObjectKey(namespace: "multus", name: "fast-net")))
        // As Go: only delegates[0] is replaced.
        #expect(request.inlineExtras.count == 1)
    }

    @Test func defaultNetworkAnnotationNamesExactlyOneNetwork() throws {
        let c = try config(#""clusterNetwork":"/etc/x.conf""#)
        #expect(throws: CNIError.self) {
            try NetworkRequest(config: c, podNamespace: "apps", pod: pod(["v1.multus-cni.io/default-network": "a,b"]))
        }
    }

    @Test func namespaceIsolationRefusesOtherNamespacesExceptGlobalOnes() throws {
        let c = try config(#""clusterNetwork":"/etc/x.conf","namespaceIsolation":true,"globalNamespaces":"shared, default""#)
        #expect(try NetworkRequest(config: c, podNamespace: "apps", pod: pod(["k8s.v1.cni.cncf.io/networks": "shared/a,apps/b"]))
            .selections.count == 2)
        let error = #expect(throws: CNIError.self) {
            try NetworkRequest(config: c, podNamespace: "apps", pod: pod(["k8s.v1.cni.cncf.io/networks": "secret/a"]))
        }
        #expect(error?.msg.contains(#"namespace "apps""#) == true && error?.msg.contains(#"namespace "secret""#) == true)
    }

    @Test func networksPerPodAreCappedWithAnErrorNamingTheCountAndTheKey() throws {
        let c = try config(#""clusterNetwork":"/etc/x.conf","maxNetworksPerPod":4"#)
        let names = (1...10_000).map { "n\($0)" }.joined(separator: ",")
        let error = #expect(throws: CNIError.self) {
            try NetworkRequest(config: c, podNamespace: "apps", pod: pod(["k8s.v1.cni.cncf.io/networks": names]))
        }
        #expect(error?.code == CNIError.invalidNetworkConfig)
        #expect(error?.msg.contains("10001 networks") == true && error?.msg.contains("maxNetworksPerPod (4)") == true)
        #expect(try NetworkRequest(config: c, podNamespace: "apps", pod: pod(["k8s.v1.cni.cncf.io/networks": "a,b,c"])).count == 4)
    }

    @Test func theDefaultCapIs64() throws {
        #expect(try config(#""clusterNetwork":"/x""#).maxNetworksPerPod == 64)
    }
}
