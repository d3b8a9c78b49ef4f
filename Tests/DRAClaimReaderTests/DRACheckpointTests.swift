import CNISpec
import DRAClaimReader
import KubeAPI
import TestSupport
import Testing

@Suite("kubelet DRA checkpoint")
struct DRACheckpointTests {
    let claim1 = ObjectKey(namespace: "vf-test9", name: "pod0-sriov1-abcde")
    let claim2 = ObjectKey(namespace: "vf-test9", name: "pod0-sriov2-fghij")

    @Test("1.31+ form: checksum verified against an independently computed CRC-32; claims' devices read")
    func checksummedForm() throws {
        let checkpoint = try DRACheckpoint(parsing: Array(Samples.draCheckpoint.utf8), path: "cp")
        #expect(checkpoint.format == .checksummed)
        #expect(checkpoint.entries.map(\.claim) == [claim1, claim2])
        let allocation = try #require(checkpoint.allocation(of: claim1, podUID: "pod-uid-1"))
        #expect(allocation.devices == [.init(driver: Samples.driver, pool: "node-1", device: "0000-3b-02-1")])
    }

    @Test("both list keys (ClaimInfoStateList of 1.31/1.32, Entries later); unknown keys ignored; PodUIDs as a set or a list",
          arguments: ["ClaimInfoStateList", "Entries"])
    func listKeys(key: String) throws {
        var entry = Samples.draEntry(claim: "c", namespace: "ns", podUIDs: [], devices: ["vf-1", "vf-0"])
        entry["PodUIDs"] = ["pod-a"]
        entry["SomethingNew"] = ["x": 1]
        let text = Samples.draCheckpoint([entry], listKey: key, extra: [("FutureField", true)])
        let checkpoint = try DRACheckpoint(parsing: Array(text.utf8), path: "cp")
        let devices = try #require(checkpoint.allocation(of: ObjectKey(namespace: "ns", name: "c"), podUID: "pod-a")).devices
        #expect(devices.map(\.device) == ["vf-1", "vf-0"], "allocation order kept")
    }

    @Test("1.34+: a shared device's ShareID (null for a whole device) tells its shares apart")
    func shareIDs() throws {
        var entry = Samples.draEntry(claim: "c", namespace: "ns", podUIDs: ["pod-a"], devices: [])
        let shares: [JSONValue] = ["2d4c6e80-0000-4000-8000-00000000000a", "2d4c6e80-0000-4000-8000-00000000000b", nil]
        entry["DriverState"]?[Samples.driver]?["Devices"] = .array(zip(["vf-0", "vf-0", "vf-1"], shares).map { name, share in
            ["PoolName": "node-1", "DeviceName": .string(name), "ShareID": share, "RequestNames": ["vf"], "CDIDeviceIDs": []]
        })
        let checkpoint = try DRACheckpoint(parsing: Array(Samples.draCheckpoint([entry]).utf8), path: "cp")
        let devices = try #require(checkpoint.allocation(of: ObjectKey(namespace: "ns", name: "c"), podUID: "pod-a")).devices
        #expect(devices.map(\.shareID) == ["2d4c6e80-0000-4000-8000-00000000000a", "2d4c6e80-0000-4000-8000-00000000000b", nil])
        #expect(devices.map(\.sliceDevice.device) == ["vf-0", "vf-0", "vf-1"])
    }

    @Test("≤1.30 form: version/entries with structured resource handles; the node is the pool")
    func legacyForm() throws {
        let text = """
        {"version":"v1","entries":[{"DriverName":"sriov.example.com","ClassName":"sriov","ClaimUID":"u1","ClaimName":"c1",\
        "Namespace":"ns","PodUIDs":{"pod-a":{}},"ResourceHandles":[{"driverName":"sriov.example.com","data":"",\
        "structuredData":{"nodeName":"node-1","results":[{"namedResources":{"name":"vf-3"}}]}}],\
        "CDIDevices":{"sriov.example.com":["sriov.example.com/vf=vf-3"]}}],"checksum":2217386233}
        """
        let checkpoint = try DRACheckpoint(parsing: Array(text.utf8), path: "cp")
        #expect(checkpoint.format == .legacy)
        let allocation = try #require(checkpoint.allocation(of: ObjectKey(namespace: "ns", name: "c1"), podUID: "pod-a"))
        #expect(allocation.devices == [.init(driver: "sriov.example.com", pool: "node-1", device: "vf-3")])
    }

    @Test("an entry that does not list the pod (a static claim's previous user) is not used")
    func staleEntryIgnored() throws {
        let text = Samples.draCheckpoint([Samples.draEntry(claim: "static-vf-claim", namespace: "vf-test7",
                                                           podUIDs: ["old-pod"], devices: ["vf-0"])])
        let checkpoint = try DRACheckpoint(parsing: Array(text.utf8), path: "cp")
        #expect(checkpoint.allocation(of: ObjectKey(namespace: "vf-test7", name: "static-vf-claim"), podUID: "new-pod") == nil)
        #expect(checkpoint.allocation(of: ObjectKey(namespace: "vf-test7", name: "static-vf-claim"), podUID: "old-pod") != nil)
    }

    @Test("a wrong checksum, a bad Data or an unknown shape is an error naming the file", arguments: [
        Samples.draCheckpoint.replacingOccurrences(of: "0000-3b-02-2", with: "0000-3b-02-7"),
        #"{"Data":"{\"kind\":\"DRACheckpoint\"","Checksum":1}"#,
        #"{"Data":"{}","Checksum":"abc"}"#,
        #"{"something":"else"}"#,
        "not json",
    ])
    func corrupted(text: String) throws {
        let root = TemporaryDirectory("kubelet")
        defer { root.remove() }
        try root.write(DRACheckpoint.relativePath, text)
        let error = #expect(throws: DeviceReaderError.self) { try DRACheckpoint.load(kubeletRootDir: root.path) }
        #expect(error?.description.contains(root.path + "/dra_manager_state") == true, "\(String(describing: error))")
    }
}
