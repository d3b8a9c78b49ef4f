import CNISpec
import KubeAPI
import Synchronization
import TestSupport
@testable import DRAClaimReader

/// The IEEE CRC-32 bit by bit, written out here so fixtures do not trust the code under test.
func bitwiseCRC32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
    }
    return ~crc
}

enum Samples {
    static let driver = "sriovnetwork.k8snetworkplumbingwg.io"

    /// A device-plugin checkpoint as kubelet ≥1.20 writes it: two pods, the
    /// first with two VFs of one resource on two NUMA nodes and one of another.
    static let devicePluginCheckpoint = """
    {"Data":{"PodDeviceEntries":[\
    {"PodUID":"pod-uid-1","ContainerName":"app","ResourceName":"intel.com/sriov_netdevice","DeviceIDs":{"0":["0000:3b:02.3","0000:3b:02.1"],"1":["0000:af:06.0"]},"AllocResp":"CiIKHFBDSURFVklDRV9JTlRFTF9DT00="},\
    {"PodUID":"pod-uid-2","ContainerName":"app","ResourceName":"intel.com/sriov_netdevice","DeviceIDs":{"0":["0000:3b:02.5"]},"AllocResp":""},\
    {"PodUID":"pod-uid-1","ContainerName":"sidecar","ResourceName":"intel.com/sriov_dpdk","DeviceIDs":{"0":["0000:3b:0a.0"]},"AllocResp":""}],\
    "RegisteredDevices":{"intel.com/sriov_netdevice":["0000:3b:02.1","0000:3b:02.3","0000:3b:02.5","0000:af:06.0"]}},\
    "Checksum":1926325440}
    """

    /// The same in the pre-1.20 form: DeviceIDs is a plain list.
    static let oldDevicePluginCheckpoint = """
    {"Data":{"PodDeviceEntries":[{"PodUID":"pod-uid-1","ContainerName":"app","ResourceName":"intel.com/sriov_netdevice",\
    "DeviceIDs":["0000:3b:02.3","0000:3b:02.1"],"AllocResp":""}],"RegisteredDevices":{}},"Checksum":12345}
    """

    /// The DRA checkpoint of kubelet 1.31+ for the two-claims pod, Checksum
    /// computed independently (Python's zlib.crc32 of the Data string).
    static let draCheckpointData = #"{"kind":"DRACheckpoint","apiVersion":"checkpoint.dra.kubelet.k8s.io/v1","Entries":[{"ClaimUID":"c1-uid","ClaimName":"pod0-sriov1-abcde","Namespace":"vf-test9","PodUIDs":{"pod-uid-1":{}},"DriverState":{"sriovnetwork.k8snetworkplumbingwg.io":{"Devices":[{"PoolName":"node-1","DeviceName":"0000-3b-02-1","RequestNames":["vf"],"CDIDeviceIDs":["k8s.sriovnetwork.k8snetworkplumbingwg.io/vf=0000-3b-02-1"]}]}}},{"ClaimUID":"c2-uid","ClaimName":"pod0-sriov2-fghij","Namespace":"vf-test9","PodUIDs":{"pod-uid-1":{}},"DriverState":{"sriovnetwork.k8snetworkplumbingwg.io":{"Devices":[{"PoolName":"node-1","DeviceName":"0000-3b-02-2","RequestNames":["vf"],"CDIDeviceIDs":["k8s.sriovnetwork.k8snetworkplumbingwg.io/vf=0000-3b-02-2"]}]}}}]}"#
    static let draCheckpointChecksum: UInt32 = 3_124_204_528
    static var draCheckpoint: String {
        JSONValue.object(JSONObject([("Data", .string(draCheckpointData)), ("Checksum", .int(Int(draCheckpointChecksum)))])).serialized
    }

    /// A 1.31+ checkpoint built from entries, with the key kubelet 1.31/1.32
    /// used (`ClaimInfoStateList`) or the later one (`Entries`).
    static func draCheckpoint(_ entries: [JSONValue], listKey: String = "Entries", extra: [(String, JSONValue)] = []) -> String {
        var data = JSONObject([("kind", "DRACheckpoint"), ("apiVersion", "checkpoint.dra.kubelet.k8s.io/v1"),
                               (listKey, .array(entries))])
        for (k, v) in extra { data[k] = v }
        let text = JSONValue.object(data).serialized
        return JSONValue.object(JSONObject([("Data", .string(text)), ("Checksum", .int(Int(bitwiseCRC32(Array(text.utf8)))))])).serialized
    }

    static func draEntry(claim: String, namespace: String, podUIDs: [String], devices: [String],
                         driver: String = driver, pool: String = "node-1", request: String = "vf") -> JSONValue {
        ["ClaimUID": .string("uid-\(claim)"), "ClaimName": .string(claim), "Namespace": .string(namespace),
         "PodUIDs": .object(JSONObject(podUIDs.map { ($0, [:]) })),
         "DriverState": .object(JSONObject([(driver, ["Devices": .array(devices.map {
             ["PoolName": .string(pool), "DeviceName": .string($0), "RequestNames": [.string(request)],
              "CDIDeviceIDs": [.string("\(driver)/vf=\($0)")]]
         })])]))]
    }

    /// `extended`: the extended resource claim's name and its (resourceName, requestName) mappings.
    static func pod(name: String = "pod0", namespace: String = "vf-test9", uid: String = "pod-uid-1",
                    claims: [(String, String)] = [], extended: (String, [(String, String)])? = nil,
                    node: String = "node-1") -> Pod {
        let status = podClaimStatus(claims: claims, extended: extended)
        return Pod(json: ["apiVersion": "v1", "kind": "Pod",
                          "metadata": ["name": .string(name), "namespace": .string(namespace), "uid": .string(uid)],
                          "spec": ["nodeName": .string(node)], "status": status])
    }

    /// A claim allocated `devices` (request "vf") of the SR-IOV driver on node-1.
    static func claim(_ name: String, namespace: String = "vf-test9", devices: [String]?, driver: String = driver) -> JSONValue {
        claim(name, namespace: namespace, results: devices.map { $0.map { ("vf", $0) } }, driver: driver)
    }

    /// A claim allocated (request, device) `results` of the SR-IOV driver on node-1.
    static func claim(_ name: String, namespace: String = "vf-test9", results: [(String, String)]?,
                      driver: String = driver) -> JSONValue {
        let requests = results.map { Array(Set($0.map(\.0))).sorted() } ?? ["vf"]
        var claim: JSONValue = ["apiVersion": "resource.k8s.io/v1", "kind": "ResourceClaim",
                                "metadata": ["name": .string(name), "namespace": .string(namespace)],
                                "spec": ["devices": ["requests": .array(requests.map {
                                    ["name": .string($0), "exactly": ["deviceClassName": .string(driver)]]
                                })]]]
        if let results {
            claim["status"] = ["allocation": ["devices": ["results": .array(results.map {
                ["request": .string($0.0), "driver": .string(driver), "pool": "node-1", "device": .string($0.1)]
            })]]]
        }
        return claim
    }

    /// A ResourceSlice with one device per (name, deviceID, resourceName); nil attributes are left out.
    static func slice(_ name: String, node: String = "node-1", driver: String = driver, pool: String = "node-1",
                      devices: [(String, String?, String?)]) -> JSONValue {
        ["apiVersion": "resource.k8s.io/v1", "kind": "ResourceSlice", "metadata": ["name": .string(name)],
         "spec": ["driver": .string(driver), "nodeName": .string(node),
                  "pool": ["name": .string(pool), "generation": 1, "resourceSliceCount": 1],
                  "devices": .array(devices.map { device in
                      var attributes = JSONObject([("sriovnetwork.k8snetworkplumbingwg.io/vendor", ["string": "8086"])])
                      if let id = device.1 { attributes["k8s.cni.cncf.io/deviceID"] = ["string": .string(id)] }
                      if let resource = device.2 { attributes["k8s.cni.cncf.io/resourceName"] = ["string": .string(resource)] }
                      return ["name": .string(device.0), "attributes": .object(attributes)]
                  })]]
    }
}

/// An in-memory cluster that counts claim GETs and slice LISTs.
final class CountingCluster: ClusterState {
    private struct State {
        var claims: [ObjectKey: JSONValue] = [:]
        var slices: [JSONValue] = []
        var claimReads: [ObjectKey] = []
        var sliceLists: [String] = []
    }
    private let state = Mutex(State())
    /// What the cluster was made with (to seed the same objects elsewhere).
    let seededClaims: [JSONValue]
    let seededSlices: [JSONValue]

    init(claims: [JSONValue] = [], slices: [JSONValue] = []) {
        seededClaims = claims
        seededSlices = slices
        state.withLock { s in
            for claim in claims {
                let key = ObjectKey(namespace: claim["metadata"]?["namespace"]?.stringValue ?? "default",
                                    name: claim["metadata"]?["name"]?.stringValue ?? "")
                s.claims[key] = claim
            }
            s.slices = slices
        }
    }

    var claimReads: [ObjectKey] { state.withLock { $0.claimReads } }
    var sliceLists: [String] { state.withLock { $0.sliceLists } }

    func pod(_ key: ObjectKey) throws(KubeError) -> Pod? { nil }
    func networkAttachmentDefinitions(_ keys: [ObjectKey]) -> [Result<NetworkAttachmentDefinition?, KubeError>] {
        keys.map { _ in .success(nil) }
    }
    func write(_ writes: [ClusterWrite]) -> [Result<Void, KubeError>] { writes.map { _ in .success(()) } }
    func resourceClaims(_ keys: [ObjectKey]) -> [Result<ResourceClaim?, KubeError>] {
        state.withLock { s in
            s.claimReads += keys
            return keys.map { .success(s.claims[$0].map(ResourceClaim.init(json:))) }
        }
    }
    func resourceSlices(nodeName: String, drivers: [String]) -> [Result<[ResourceSlice], KubeError>] {
        state.withLock { s in
            s.sliceLists += drivers.map { "\(nodeName)/\($0)" }
            return drivers.map { driver in
                .success(s.slices.map(ResourceSlice.init(json:)).filter { $0.nodeName == nodeName && $0.driver == driver })
            }
        }
    }
    func shutdown() {}
}
