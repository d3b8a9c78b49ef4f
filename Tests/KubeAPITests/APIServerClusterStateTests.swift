import CNISpec
import Foundation
import KubeAPI
import KubeAPIServerDouble
import Testing

/// `ClusterState` over the API server (COMPAT.md §7).
@Suite struct APIServerClusterStateTests {
    static let key = ObjectKey(namespace: "default", name: "web-1")
    static let podPath = "/api/v1/namespaces/default/pods/web-1"
    static let statusPath = podPath + "/status"
    static let annotation = "k8s.v1.cni.cncf.io/network-status"
    static let networkStatus = #"[{"name":"cbr0","interface":"eth0","ips":["10.1.0.5"],"default":true}]"#

    @Test func podLookupReturnsThePodOrNil() async throws {
        try await withDouble { double, dir throws in
            double.seed(Manifests.pod("web-1", uid: "uid-123", annotations: [("k8s.v1.cni.cncf.io/networks", "net-a")]))
            try withClusterState(double, dir: dir) { cluster throws in
                let pod = try cluster.pod(Self.key)
                #expect(pod?.metadata.uid == "uid-123")
                #expect(pod?.annotations["k8s.v1.cni.cncf.io/networks"] == "net-a")
                #expect(pod?.nodeName == "node-1")
                #expect(try cluster.pod(ObjectKey(namespace: "default", name: "gone")) == nil)
                #expect(try cluster.networkAttachmentDefinition(ObjectKey(namespace: "default", name: "nope")) == nil)
            }
        }
    }

    @Test func podLookupRetriesTransientErrors() async throws {
        try await withDouble { double, dir throws in
            double.seed(Manifests.pod("web-1"))
            double.injectFault(.status(503), path: Self.podPath)
            double.injectFault(.tooManyRequests(retryAfterSeconds: 0), path: Self.podPath)
            try withClusterState(double, dir: dir) { cluster throws in
                let pod = try cluster.pod(Self.key)
                #expect(pod?.metadata.name == "web-1")
            }
            #expect(double.requestCount(pathPrefix: Self.podPath) == 3)
        }
    }

    @Test func setNetworkStatusMergePatchesPodStatus() async throws {
        try await withDouble { double, dir throws in
            let path = double.seed(Manifests.pod("web-1", annotations: [("keep", "me")]))
            let before = double.object(at: path)?["metadata"]?["resourceVersion"]?.stringValue
            try withClusterState(double, dir: dir) { cluster throws in
                try cluster.write([.networkStatus(pod: Self.key, value: Self.networkStatus)])[0].get()
            }
            let pod = try #require(double.object(at: path))
            #expect(pod["metadata"]?["annotations"]?[Self.annotation]?.stringValue == Self.networkStatus)
            #expect(pod["metadata"]?["annotations"]?["keep"]?.stringValue == "me")
            #expect(pod["metadata"]?["resourceVersion"]?.stringValue != before)
            let requests = double.requests
            #expect(requests.map { "\($0.method) \($0.path)" } == ["PATCH \(Self.statusPath)"])
            #expect(requests.first?.contentType == "application/merge-patch+json")
            let body = try JSONValue(parsing: requests.first?.body ?? "")
            #expect(body == ["metadata": ["annotations": [.init(stringLiteral: Self.annotation): .string(Self.networkStatus)]]])
        }
    }

    @Test func patchRefusedFallsBackToGetAndPutRetryingConflicts() async throws {
        try await withDouble { double, dir throws in
            let path = double.seed(Manifests.pod("web-1", annotations: [("keep", "me")]))
            double.injectFault(.status(405), method: "PATCH", path: Self.statusPath)
            // Someone else updates the pod right after our first GET: the first PUT conflicts.
            double.injectFault(.concurrentUpdate, method: "GET", path: Self.podPath)
            try withClusterState(double, dir: dir) { cluster throws in
                try cluster.write([.networkStatus(pod: Self.key, value: Self.networkStatus)])[0].get()
            }
            let pod = try #require(double.object(at: path))
            #expect(pod["metadata"]?["annotations"]?[Self.annotation]?.stringValue == Self.networkStatus)
            #expect(pod["metadata"]?["annotations"]?["keep"]?.stringValue == "me")
            #expect(double.requests.map { "\($0.method) \($0.path)" } == [
                "PATCH \(Self.statusPath)",
                "GET \(Self.podPath)", "PUT \(Self.statusPath)",  // 409
                "GET \(Self.podPath)", "PUT \(Self.statusPath)",
            ])
        }
    }

    @Test func forbiddenPatchAlsoFallsBack() async throws {
        try await withDouble { double, dir throws in
            let path = double.seed(Manifests.pod("web-1"))
            double.injectFault(.status(403), method: "PATCH", path: Self.statusPath)
            try withClusterState(double, dir: dir) { cluster throws in
                try cluster.write([.networkStatus(pod: Self.key, value: Self.networkStatus)])[0].get()
            }
            #expect(double.object(at: path)?["metadata"]?["annotations"]?[Self.annotation]?.stringValue == Self.networkStatus)
            #expect(double.requestCount(method: "PUT", pathPrefix: Self.statusPath) == 1)
        }
    }

    @Test func persistentConflictsGiveUp() async throws {
        try await withDouble { double, dir throws in
            double.seed(Manifests.pod("web-1"))
            double.injectFault(.status(405), method: "PATCH", path: Self.statusPath)
            double.injectFault(.concurrentUpdate, method: "GET", path: Self.podPath, count: 100)
            try withClusterState(double, dir: dir) { cluster throws in
                do {
                    try cluster.write([.networkStatus(pod: Self.key, value: Self.networkStatus)])[0].get()
                    Issue.record("expected a conflict")
                } catch let error as KubeError {
                    #expect(error.isConflict)
                }
            }
            #expect(double.requestCount(method: "PUT", pathPrefix: Self.statusPath) == 5)
        }
    }

    @Test func setNetworkStatusOnVanishedPodThrowsNotFound() async throws {
        try await withDouble { double, dir throws in
            try withClusterState(double, dir: dir) { cluster throws in
                do {
                    try cluster.write([.networkStatus(pod: Self.key, value: Self.networkStatus)])[0].get()
                    Issue.record("expected 404")
                } catch let error as KubeError {
                    #expect(error.isNotFound)
                }
                // And through the fallback path.
                double.injectFault(.status(405), method: "PATCH", path: Self.statusPath)
                do {
                    try cluster.write([.networkStatus(pod: Self.key, value: Self.networkStatus)])[0].get()
                    Issue.record("expected 404")
                } catch let error as KubeError {
                    #expect(error == .status(code: 404, reason: "NotFound", message: "pods \"web-1\" not found"))
                }
            }
        }
    }

    @Test func postEventWritesACoreV1Event() async throws {
        try await withDouble { double, dir throws in
            try withClusterState(double, dir: dir) { cluster throws in
                try cluster.write([.event(PodEvent(
                    pod: Self.key, podUID: "uid-123", reason: "AddedInterface",
                    message: "Add net1 [10.1.1.5/24] from default/net-a"))])[0].get()
            }
            let events = double.objects(in: "/api/v1/namespaces/default/events")
            #expect(events.count == 1)
            let event = try #require(events.first)
            #expect(event["kind"]?.stringValue == "Event")
            #expect(event["metadata"]?["name"]?.stringValue?.hasPrefix("web-1.") == true)
            #expect(event["metadata"]?["namespace"]?.stringValue == "default")
            #expect(event["involvedObject"] == [
                "apiVersion": "v1", "kind": "Pod", "name": "web-1", "namespace": "default", "uid": "uid-123",
            ])
            #expect(event["reason"]?.stringValue == "AddedInterface")
            #expect(event["message"]?.stringValue == "Add net1 [10.1.1.5/24] from default/net-a")
            #expect(event["type"]?.stringValue == "Normal")
            #expect(event["source"]?["component"]?.stringValue == "multus")
            let stamp = try #require(event["firstTimestamp"]?.stringValue)
            #expect(stamp.count == 20 && stamp.hasSuffix("Z") && stamp.dropFirst(10).first == "T")
            #expect(event["lastTimestamp"]?.stringValue == stamp)
        }
    }

    @Test func resourceClaimAndSlicesFromResourceV1() async throws {
        try await withDouble { double, dir throws in
            double.seed(Manifests.resourceClaim("claim-1"))
            double.seed(Manifests.resourceSlice("s1", node: "node-1", driver: "sriov.example.com"))
            double.seed(Manifests.resourceSlice("s2", node: "node-2", driver: "sriov.example.com"))
            try withClusterState(double, dir: dir) { cluster throws in
                let claim = try cluster.resourceClaims([ObjectKey(namespace: "default", name: "claim-1")])[0].get()
                #expect(claim?.allocationResults == [
                    .init(request: "nic", device: AllocatedDevice(driver: "sriov.example.com", pool: "node-1", device: "vf-0")),
                ])
                #expect(try cluster.resourceClaims([ObjectKey(namespace: "default", name: "absent")])[0].get() == nil)
                let slices = try cluster.resourceSlices(nodeName: "node-1", drivers: ["sriov.example.com"])[0].get()
                #expect(slices.count == 1)
                #expect(slices.first?.stringAttributes(ofDevice: "vf-0")?["k8s.cni.cncf.io/deviceID"] == "0000:3b:02.0")
            }
            #expect(double.requests.last?.path == "/apis/resource.k8s.io/v1/resourceslices")
            #expect(double.requests.last?.query["fieldSelector"] == "spec.nodeName=node-1,spec.driver=sriov.example.com")
        }
    }

    @Test func resourceAPIFallsBackToOlderVersionsWhenV1IsNotServed() async throws {
        try await withDouble { double, dir throws in
            double.setUnavailable("resource.k8s.io/v1")
            double.setUnavailable("resource.k8s.io/v1beta2")
            double.seed(Manifests.resourceClaim("claim-1", apiVersion: "resource.k8s.io/v1beta1"))
            double.seed(Manifests.resourceSlice("s1", node: "node-1", driver: "sriov.example.com",
                                                apiVersion: "resource.k8s.io/v1beta1"))
            try withClusterState(double, dir: dir) { cluster throws in
                let claim = try cluster.resourceClaims([ObjectKey(namespace: "default", name: "claim-1")])[0].get()
                #expect(claim?.allocationResults?.first?.device.device == "vf-0")
                // The version found is remembered: one request each from now on.
                let before = double.requests.count
                #expect(try cluster.resourceSlices(nodeName: "node-1", drivers: ["sriov.example.com"])[0].get().count == 1)
                #expect(try cluster.resourceClaims([ObjectKey(namespace: "default", name: "absent")])[0].get() == nil)
                #expect(double.requests.count == before + 2)
            }
            #expect(double.requests.prefix(3).map(\.path) == [
                "/apis/resource.k8s.io/v1/namespaces/default/resourceclaims/claim-1",
                "/apis/resource.k8s.io/v1beta2/namespaces/default/resourceclaims/claim-1",
                "/apis/resource.k8s.io/v1beta1/namespaces/default/resourceclaims/claim-1",
            ])
        }
    }

    @Test func clusterWithoutDRAHasNoClaimsAndNoSlices() async throws {
        try await withDouble { double, dir throws in
            for version in APIServerClusterState.resourceAPIVersions { double.setUnavailable("resource.k8s.io/\(version)") }
            try withClusterState(double, dir: dir) { cluster throws in
                let claim = try cluster.resourceClaims([ObjectKey(namespace: "default", name: "claim-1")])[0].get()
                let slices = try cluster.resourceSlices(nodeName: "node-1", drivers: ["sriov.example.com"])[0].get()
                #expect(claim == nil)
                #expect(slices.isEmpty)
            }
        }
    }

    @Test func oneInvocationUsesOneConnection() async throws {
        try await withDouble { double, dir throws in
            double.seed(Manifests.pod("web-1"))
            for name in ["net-a", "net-b", "net-c"] {
                double.seed(Manifests.nad(name, config: #"{"cniVersion":"1.0.0","type":"bridge"}"#))
            }
            try withClusterState(double, dir: dir) { cluster throws in
                _ = try cluster.pod(Self.key)
                let nads = cluster.networkAttachmentDefinitions(["net-a", "net-b", "net-c"].map { ObjectKey(namespace: "default", name: $0) })
                for nad in nads { #expect(try nad.get() != nil) }
                try cluster.write([.networkStatus(pod: Self.key, value: Self.networkStatus)])[0].get()
                try cluster.write([.event(PodEvent(pod: Self.key, podUID: "u", reason: "AddedInterface", message: "m"))])[0].get()
            }
            #expect(double.requests.count == 6)
            #expect(double.connectionCount == 1)
        }
    }

    @Test func connectUsesTheKubeconfig() async throws {
        try await withDouble { double, dir throws in
            double.seed(Manifests.pod("web-1"))
            try write("test-token", to: dir + "/token")
            try double.writeKubeconfig(to: dir + "/multus.kubeconfig", credential: .tokenFile("token"), caInline: false)
            let cluster = try APIServerClusterState.connect(kubeconfigPath: dir + "/multus.kubeconfig")
            let pod = try cluster.pod(Self.key)
            cluster.shutdown()
            #expect(pod?.metadata.name == "web-1")
        }
    }
}
