import CNISpec
import Foundation
import KubeAPI
import KubeAPIServerDouble
import struct TestSupport.TemporaryDirectory
import Testing

/// Network data in a ResourceClaim's `status.devices[]` (KEP-4817): server-side
/// apply on the API server (the double follows the real server's apply and
/// merge-patch semantics for that list-map), and the manifest folder.
@Suite struct ClaimDeviceStatusTests {
    static let claim = ObjectKey(namespace: "default", name: "claim-1")
    static let claimPath = "/apis/resource.k8s.io/v1/namespaces/default/resourceclaims/claim-1"
    static let driver = "sriov.example.com"
    static func key(_ device: String) -> AllocatedDevice {
        .init(driver: driver, pool: "node-1", device: device)
    }
    static let vf0 = ClaimDeviceStatus.Entry(device: key("vf-0"), networkData: .init(
        interfaceName: "net1", ips: ["10.56.217.11/24", "fd00::b/64"], hardwareAddress: "02:00:00:00:00:01"))

    /// A claim of two VFs whose driver reported both (its own entries, with a Ready condition).
    static func claimJSON(apiVersion: String = "resource.k8s.io/v1", driverEntries: Bool = true) -> JSONValue {
        var claim: JSONValue = [
            "apiVersion": .string(apiVersion), "kind": "ResourceClaim",
            "metadata": ["name": "claim-1", "namespace": "default"],
            "spec": ["devices": ["requests": [["name": "vf", "exactly": ["deviceClassName": .string(driver), "count": 2]]]]],
            "status": ["allocation": ["devices": ["results": [
                ["request": "vf", "driver": .string(driver), "pool": "node-1", "device": "vf-0"],
                ["request": "vf", "driver": .string(driver), "pool": "node-1", "device": "vf-1"],
            ]]]],
        ]
        if driverEntries {
            claim["status"]?["devices"] = .array(["vf-0", "vf-1"].map { device in
                ["driver": .string(driver), "pool": "node-1", "device": .string(device),
                 "conditions": [["type": "Ready", "status": "True", "reason": "Prepared", "message": "",
                                 "lastTransitionTime": "2025-09-01T10:00:00Z"]]]
            })
        }
        return claim
    }

    static func write(_ entries: [ClaimDeviceStatus.Entry], released: [AllocatedDevice] = [],
                      manager: String = ClaimDeviceStatus.fieldManager(containerID: "c0ffee"), apiVersion: String? = nil)
        -> ClusterWrite
    {
        .claimDeviceStatus(ClaimDeviceStatus(claim: claim, fieldManager: manager, apiVersion: apiVersion, entries: entries,
                                             released: released))
    }

    static func devices(_ double: KubeAPIServerDouble, at path: String = claimPath) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for entry in double.object(at: path)?["status"]?["devices"]?.arrayValue ?? [] {
            out[entry["device"]?.stringValue ?? ""] = entry
        }
        return out
    }

    @Test func applyWritesOurNetworkDataAndKeepsTheDriversEntries() async throws {
        try await withDouble { double, dir throws in
            double.seed(Self.claimJSON())
            try withClusterState(double, dir: dir) { cluster throws in
                try cluster.write([Self.write([Self.vf0])])[0].get()
            }
            let request = try #require(double.requests.first)
            #expect(double.requests.count == 1)
            #expect(request.method == "PATCH" && request.path == Self.claimPath + "/status")
            #expect(request.query == ["fieldManager": "multus-swift-c0ffee", "force": "true"])
            #expect(request.contentType == "application/apply-patch+yaml")
            #expect(try JSONValue(parsing: request.body) == [
                "apiVersion": "resource.k8s.io/v1", "kind": "ResourceClaim",
                "metadata": ["name": "claim-1", "namespace": "default"],
                "status": ["devices": [["driver": .string(Self.driver), "pool": "node-1", "device": "vf-0",
                                        "networkData": ["interfaceName": "net1", "ips": ["10.56.217.11/24", "fd00::b/64"],
                                                        "hardwareAddress": "02:00:00:00:00:01"]]]],
            ])
            let devices = Self.devices(double)
            #expect(devices["vf-0"]?["networkData"]?["interfaceName"] == "net1")
            #expect(devices["vf-0"]?["conditions"]?.arrayValue?.count == 1, "the driver's condition stays")
            #expect(devices["vf-1"] == Self.claimJSON()["status"]?["devices"]?.arrayValue?[1], "the other entry is untouched")
            #expect(double.fieldManagers(at: Self.claimPath)["multus-swift-c0ffee"]?.contains {
                $0.hasSuffix(".networkData.interfaceName")
            } == true)
        }
    }

    @Test func releaseRemovesOnlyWhatWeHeld() async throws {
        try await withDouble { double, dir throws in
            double.seed(Self.claimJSON())
            try withClusterState(double, dir: dir) { cluster throws in
                try cluster.write([Self.write([Self.vf0])])[0].get()
                try cluster.write([Self.write([], released: [Self.key("vf-0")])])[0].get()
            }
            let devices = Self.devices(double)
            #expect(devices["vf-0"]?["networkData"] == nil)
            #expect(devices["vf-0"]?["conditions"]?.arrayValue?.count == 1, "the driver's entry stays")
            #expect(devices["vf-1"] != nil)
            #expect(double.fieldManagers(at: Self.claimPath)["multus-swift-c0ffee"] == nil)
            let release = try JSONValue(parsing: double.requests.last?.body ?? "")
            #expect(release == ["apiVersion": "resource.k8s.io/v1", "kind": "ResourceClaim",
                                "metadata": ["name": "claim-1", "namespace": "default"]],
                    "an apply that holds nothing: the server drops what only we held")
        }
    }

    @Test func anEntryOnlyWeWroteGoesWhenReleased() async throws {
        try await withDouble { double, dir throws in
            double.seed(Self.claimJSON(driverEntries: false))
            try withClusterState(double, dir: dir) { cluster throws in
                try cluster.write([Self.write([Self.vf0])])[0].get()
                #expect(Self.devices(double).keys.sorted() == ["vf-0"])
                try cluster.write([Self.write([], released: [Self.key("vf-0")])])[0].get()
            }
            #expect(Self.devices(double).isEmpty)
        }
    }

    /// Why not a merge patch: `status.devices` has no patchStrategy, so RFC 7386
    /// (and a strategic merge patch alike) replaces the whole list.
    @Test func aMergePatchOfStatusDevicesReplacesTheWholeListDroppingTheDriversEntries() async throws {
        try await withDouble { double, dir throws in
            double.seed(Self.claimJSON())
            try withClient(double, dir: dir) { client throws in
                _ = try client.patch(Self.claimPath + "/status", mergePatch: ["status": ["devices": [
                    ["driver": .string(Self.driver), "pool": "node-1", "device": "vf-0", "networkData": Self.vf0.networkData.json],
                ]]])
            }
            let devices = Self.devices(double)
            #expect(devices.keys.sorted() == ["vf-0"], "vf-1's entry is gone")
            #expect(devices["vf-0"]?["conditions"] == nil, "and so is the driver's condition on vf-0")
        }
    }

    @Test func anotherSandboxOfThePodTakesTheDataOverAndTheOldOnesReleaseLeavesIt() async throws {
        try await withDouble { double, dir throws in
            double.seed(Self.claimJSON())
            let old = ClaimDeviceStatus.fieldManager(containerID: "old")
            let new = ClaimDeviceStatus.fieldManager(containerID: "new")
            var renewed = Self.vf0
            renewed.networkData.ips = ["10.56.217.99/24"]
            try withClusterState(double, dir: dir) { cluster throws in
                try cluster.write([Self.write([Self.vf0], manager: old)])[0].get()
                try cluster.write([Self.write([renewed], manager: new)])[0].get()
                try cluster.write([Self.write([], released: [Self.key("vf-0")], manager: old)])[0].get()
                #expect(Self.devices(double)["vf-0"]?["networkData"] == renewed.networkData.json)
                try cluster.write([Self.write([], released: [Self.key("vf-0")], manager: new)])[0].get()
            }
            #expect(Self.devices(double)["vf-0"]?["networkData"] == nil)
            #expect(Self.devices(double)["vf-0"]?["conditions"] != nil)
        }
    }

    @Test func withoutForceAValueAnotherManagerSetIsAConflict() async throws {
        try await withDouble { double, dir throws in
            double.seed(Self.claimJSON())
            try withClient(double, dir: dir) { client throws in
                let status = ClaimDeviceStatus(claim: Self.claim, fieldManager: "driver", entries: [Self.vf0])
                _ = try client.perform([.apply(Self.claimPath + "/status", status.applyConfiguration(apiVersion: "v1"),
                                               fieldManager: "driver", force: false)])[0].get()
                var other = Self.vf0
                other.networkData.interfaceName = "eth9"
                let mine = ClaimDeviceStatus(claim: Self.claim, fieldManager: "someone", entries: [other])
                let result = client.perform([.apply(Self.claimPath + "/status", mine.applyConfiguration(apiVersion: "v1"),
                                                    fieldManager: "someone", force: false)])[0]
                guard case .failure(.status(409, "Conflict", let message)) = result else {
                    Issue.record("expected a conflict, got \(result)")
                    return
                }
                #expect(message.contains(#"conflict with "driver""#) && message.contains(".networkData.interfaceName"), "\(message)")
                // Forced, it is taken over.
                _ = try client.perform([.apply(Self.claimPath + "/status", mine.applyConfiguration(apiVersion: "v1"),
                                               fieldManager: "someone", force: true)])[0].get()
            }
            #expect(Self.devices(double)["vf-0"]?["networkData"]?["interfaceName"] == "eth9")
            #expect(double.fieldManagers(at: Self.claimPath)["driver"]?.contains { $0.hasSuffix(".interfaceName") } == false)
        }
    }

    @Test func aRefusalIsAFailureWithoutFallback() async throws {
        try await withDouble { double, dir throws in
            double.seed(Self.claimJSON())
            double.injectFault(.status(403), path: Self.claimPath + "/status")
            try withClusterState(double, dir: dir) { cluster throws in
                let result = cluster.write([Self.write([Self.vf0])])[0]
                guard case .failure(let error) = result else { Issue.record("expected 403"); return }
                #expect(error.isForbidden)
            }
            #expect(double.requests.count == 1, "no GET + PUT as for network-status")
        }
    }

    @Test func aVersionTheServerDoesNotServeStepsDown() async throws {
        try await withDouble { double, dir throws in
            double.setUnavailable("resource.k8s.io/v1")
            let path = double.seed(Self.claimJSON(apiVersion: "resource.k8s.io/v1beta2"))
            try withClusterState(double, dir: dir) { cluster throws in
                try cluster.write([Self.write([Self.vf0])])[0].get()
                // Known from now on, or given: one request.
                try cluster.write([Self.write([], released: [Self.key("vf-0")], apiVersion: "v1beta2")])[0].get()
            }
            #expect(double.requests.map(\.path) == [Self.claimPath + "/status", path + "/status", path + "/status"])
            #expect(try JSONValue(parsing: double.requests[1].body)["apiVersion"] == "resource.k8s.io/v1beta2")
        }
    }

    @Test func aDeviceTheClaimDidNotAllocateIsRefused() async throws {
        try await withDouble { double, dir throws in
            double.seed(Self.claimJSON())
            let stray = ClaimDeviceStatus.Entry(device: Self.key("vf-7"), networkData: .init(interfaceName: "net1"))
            try withClusterState(double, dir: dir) { cluster throws in
                let result = cluster.write([Self.write([stray])])[0]
                guard case .failure(.status(422, "Invalid", let message)) = result else { Issue.record("\(result)"); return }
                #expect(message.contains("must be an allocated device"))
            }
        }
    }

    /// A device allocated as two shares (DRAConsumableCapacity): `shareID` is
    /// part of each entry's key, so each share holds network data of its own,
    /// and an entry without it would name no allocated device.
    @Test func eachShareOfADeviceIsAnEntryOfItsOwn() async throws {
        let shares = ["6f1e0c1a-0000-4000-8000-00000000000a", "6f1e0c1a-0000-4000-8000-00000000000b"]
        let share = shares.map { AllocatedDevice(driver: Self.driver, pool: "node-1", device: "vf-0", shareID: $0) }
        try await withDouble { double, dir throws in
            var claim = Self.claimJSON(driverEntries: false)
            claim["status"]?["allocation"]?["devices"]?["results"] = .array(shares.map {
                ["request": "vf", "driver": .string(Self.driver), "pool": "node-1", "device": "vf-0", "shareID": .string($0)]
            })
            double.seed(claim)
            try withClusterState(double, dir: dir) { cluster throws in
                let read = try cluster.resourceClaims([Self.claim])[0].get()
                #expect(read?.allocationResults?.map(\.device) == [share[0], share[1]])
                try cluster.write([Self.write([.init(device: share[0], networkData: .init(interfaceName: "net1")),
                                               .init(device: share[1], networkData: .init(interfaceName: "net2"))])])[0].get()
                let entries = double.object(at: Self.claimPath)?["status"]?["devices"]?.arrayValue ?? []
                #expect(entries.map { $0["shareID"]?.stringValue } == shares)
                #expect(entries.map { $0["networkData"]?["interfaceName"] } == ["net1", "net2"])

                try cluster.write([Self.write([.init(device: share[1], networkData: .init(interfaceName: "net2"))],
                                              released: [share[0]])])[0].get()
                #expect(double.object(at: Self.claimPath)?["status"]?["devices"]?.arrayValue?.map { $0["shareID"]?.stringValue }
                        == [shares[1]])

                let whole = cluster.write([Self.write([.init(device: Self.key("vf-0"), networkData: .init(interfaceName: "net1"))])])[0]
                guard case .failure(.status(422, "Invalid", _)) = whole else { Issue.record("\(whole)"); return }
            }
        }
    }

    @Test func networkStatusClaimsAndEventsGoInOneRoundOnOneConnection() async throws {
        try await withDouble { double, dir throws in
            double.seed(Manifests.pod("web-1"))
            double.seed(Self.claimJSON())
            let pod = ObjectKey(namespace: "default", name: "web-1")
            try withClusterState(double, dir: dir) { cluster throws in
                let results = cluster.write([.networkStatus(pod: pod, value: "[]"), Self.write([Self.vf0]),
                                             .event(PodEvent(pod: pod, podUID: "u", reason: "AddedInterface", message: "m"))])
                for result in results { try result.get() }
            }
            #expect(double.requests.map(\.method) == ["PATCH", "PATCH", "POST"])
            #expect(double.connectionCount == 1)
        }
    }

    // MARK: manifest folder

    @Test func theManifestFolderMergesTheDataIntoTheClaimsFile() throws {
        let manifests = TemporaryDirectory("manifests")
        defer { manifests.remove() }
        let dir = manifests.path
        try KubeAPITests.write(YAMLText.claim, to: dir + "/claim.yaml")
        let cluster = ManifestDirectoryClusterState(directory: dir)
        try cluster.write([Self.write([Self.vf0])])[0].get()
        var claim = try #require(try cluster.resourceClaims([Self.claim])[0].get())
        var devices = claim.json["status"]?["devices"]?.arrayValue ?? []
        #expect(devices.count == 2)
        #expect(devices.first { $0["device"] == "vf-0" }?["networkData"] == Self.vf0.networkData.json)
        #expect(devices.first { $0["device"] == "vf-0" }?["conditions"]?.arrayValue?.count == 1)

        try cluster.write([Self.write([], released: [Self.key("vf-0")])])[0].get()
        claim = try #require(try cluster.resourceClaims([Self.claim])[0].get())
        devices = claim.json["status"]?["devices"]?.arrayValue ?? []
        #expect(devices.count == 2 && devices.allSatisfy { $0["networkData"] == nil })

        let missing = ClusterWrite.claimDeviceStatus(ClaimDeviceStatus(
            claim: ObjectKey(namespace: "default", name: "gone"), fieldManager: "m", entries: [Self.vf0]))
        guard case .failure(.status(404, _, let message)) = cluster.write([missing])[0] else {
            Issue.record("expected 404")
            return
        }
        #expect(message.contains(#"resourceclaims.resource.k8s.io "gone" not found"#))
    }

    @Test func thePodsExtendedResourceClaimStatusIsRead() {
        let pod = Pod(json: ["metadata": ["name": "p", "namespace": "default"],
                             "status": ["extendedResourceClaimStatus": [
                                 "resourceClaimName": "p-extended-resources-x7k2p",
                                 "requestMappings": [["containerName": "app", "resourceName": "intel.com/sriov_vf",
                                                      "requestName": "container-0-request-0"]],
                             ]]])
        #expect(pod.extendedResourceClaimStatus == ExtendedResourceClaimStatus(
            resourceClaimName: "p-extended-resources-x7k2p",
            requestMappings: [.init(containerName: "app", resourceName: "intel.com/sriov_vf", requestName: "container-0-request-0")]))
        #expect(Pod(json: ["metadata": ["name": "p"]]).extendedResourceClaimStatus == nil)
    }
}

enum YAMLText {
    static let claim = """
        apiVersion: resource.k8s.io/v1
        kind: ResourceClaim
        metadata: {name: claim-1, namespace: default}
        spec:
          devices:
            requests:
            - {name: vf, exactly: {deviceClassName: sriov.example.com, count: 2}}
        status:
          allocation:
            devices:
              results:
              - {request: vf, driver: sriov.example.com, pool: node-1, device: vf-0}
              - {request: vf, driver: sriov.example.com, pool: node-1, device: vf-1}
          devices:
          - driver: sriov.example.com
            pool: node-1
            device: vf-0
            conditions: [{type: Ready, status: "True", reason: Prepared, message: "", lastTransitionTime: "2025-09-01T10:00:00Z"}]
          - driver: sriov.example.com
            pool: node-1
            device: vf-1
            conditions: [{type: Ready, status: "True", reason: Prepared, message: "", lastTransitionTime: "2025-09-01T10:00:00Z"}]
        """
}
