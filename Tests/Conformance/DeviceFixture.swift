import CNISpec
import Foundation
import TestSupport

/// The seeds' SR-IOV scenarios on one node: a pod whose NADs name device
/// resources, the kubelet state (checkpoints) under a private kubeletRootDir,
/// device-info under a private deviceInfoDir, and `sriov` replaced by a
/// recording double (SR-IOV needs hardware).
///
/// The double (`<dir>/bin/sriov`, a shell script) writes each call's stdin to
/// `<dir>/recorded/<COMMAND>-<IFNAME>.json` and answers ADD with a 1.0.0
/// result naming CNI_IFNAME in CNI_NETNS; it touches no network namespace.
struct DeviceFixture {
    let sandbox: Sandbox
    let namespace: String
    let podName: String
    let podUID: String
    static let driver = "sriovnetwork.k8snetworkplumbingwg.io"

    init(sandbox: Sandbox, namespace: String = "vf-test9", podName: String = "pod0",
         podUID: String = "uid-\(UUID().uuidString.lowercased())") throws {
        self.sandbox = sandbox
        self.namespace = namespace
        self.podName = podName
        self.podUID = podUID
        try FileManager.default.createDirectory(atPath: binDir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: kubeletRootDir, withIntermediateDirectories: true)
        let script = """
        #!/bin/sh
        # Recording double for the sriov CNI plugin (SR-IOV needs hardware).
        dir="$(dirname "$0")/../recorded"
        mkdir -p "$dir"
        cat > "$dir/$CNI_COMMAND-$CNI_IFNAME.json"
        case "$CNI_COMMAND" in
        ADD)
          n=$(printf '%s' "$CNI_IFNAME" | tr -cd '0-9')
          printf '{"cniVersion":"1.0.0","interfaces":[{"name":"%s","mac":"02:00:00:00:00:0%s","sandbox":"%s"}],"ips":[{"address":"10.56.217.1%s/24","interface":0}],"dns":{}}' \\
            "$CNI_IFNAME" "${n:-0}" "$CNI_NETNS" "${n:-0}" ;;
        VERSION)
          printf '{"cniVersion":"1.0.0","supportedVersions":["0.3.1","0.4.0","1.0.0"]}' ;;
        esac
        """
        try script.write(toFile: binDir + "/sriov", atomically: true, encoding: .utf8)
        chmod(binDir + "/sriov", 0o755)
    }

    var binDir: String { sandbox.dir + "/bin" }
    var recordedDir: String { sandbox.dir + "/recorded" }
    var kubeletRootDir: String { sandbox.dir + "/kubelet" }
    var deviceInfoDir: String { sandbox.dir + "/devinfo" }
    var containerID: String { "ctr-\(sandbox.id)" }

    /// What the double was given for `command` on `ifName`.
    func recorded(_ command: String, _ ifName: String) -> JSONValue? {
        guard let text = try? String(contentsOfFile: "\(recordedDir)/\(command)-\(ifName).json", encoding: .utf8) else { return nil }
        return try? JSONValue(parsing: text)
    }

    /// The multus config: a bridge cluster network, the double's folder first in binDir.
    func multusConfig(_ extra: [(String, JSONValue)]) -> String {
        sandbox.multusConfig([("delegates", [sandbox.bridgeNetwork(name: "cluster")]), ("binDir", .string(binDir)),
                              ("kubeletRootDir", .string(kubeletRootDir)), ("deviceInfoDir", .string(deviceInfoDir))] + extra)
    }

    var cniArgs: String {
        "IgnoreUnknown=1;K8S_POD_NAMESPACE=\(namespace);K8S_POD_NAME=\(podName);K8S_POD_INFRA_CONTAINER_ID=\(containerID);K8S_POD_UID=\(podUID)"
    }

    func cni(_ command: String, _ config: String) throws -> Harness.Output {
        try sandbox.cni(command, config, containerID: containerID, args: cniArgs, extraEnv: ["CNI_PATH": binDir + ":" + Harness.pluginDir])
    }

    // MARK: objects

    /// An sriov NAD on `resource`, declaring the deviceID and CNIDeviceInfoFile capabilities.
    func nad(_ name: String, resource: String?) -> JSONValue {
        let config: JSONValue = ["cniVersion": "1.0.0", "name": .string(name), "type": "sriov", "vlan": 0, "spoofchk": "on",
                                 "capabilities": ["deviceID": true, "CNIDeviceInfoFile": true],
                                 "ipam": ["type": "host-local", "ranges": [[["subnet": "10.0.2.0/24"]]]]]
        var annotations = JSONObject()
        if let resource { annotations["k8s.v1.cni.cncf.io/resourceName"] = .string(resource) }
        return ["apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
                "metadata": ["name": .string(name), "namespace": .string(namespace), "annotations": .object(annotations)],
                "spec": ["config": .string(config.serialized)]]
    }

    /// `extended`: the extended resource claim and its (resourceName, requestName) mappings (KEP-5004).
    func pod(networks: String, claims: [(String, String)], extended: (String, [(String, String)])? = nil) -> JSONValue {
        let status = podClaimStatus(claims: claims, extended: extended)
        return ["apiVersion": "v1", "kind": "Pod",
                "metadata": ["name": .string(podName), "namespace": .string(namespace), "uid": .string(podUID),
                             "annotations": ["k8s.v1.cni.cncf.io/networks": .string(networks)]],
                "spec": ["nodeName": "node-1"], "status": status]
    }

    /// `driverEntries`: the driver's own `status.devices[]` entries (a Ready condition per device).
    func claim(_ name: String, devices: [String]?, request: String = "vf", driverEntries: Bool = false) -> JSONValue {
        var claim: JSONValue = ["apiVersion": "resource.k8s.io/v1", "kind": "ResourceClaim",
                                "metadata": ["name": .string(name), "namespace": .string(namespace)],
                                "spec": ["devices": ["requests": [["name": .string(request), "exactly": ["deviceClassName": .string(Self.driver)]]]]]]
        if let devices {
            claim["status"] = ["allocation": ["devices": ["results": .array(devices.map {
                ["request": .string(request), "driver": .string(Self.driver), "pool": "node-1", "device": .string($0)]
            })]]]
            if driverEntries {
                claim["status"]?["devices"] = .array(devices.map {
                    ["driver": .string(Self.driver), "pool": "node-1", "device": .string($0),
                     "conditions": [["type": "Ready", "status": "True", "reason": "Prepared", "message": "",
                                     "lastTransitionTime": "2025-10-06T09:12:44Z"]]]
                })
            }
        }
        return claim
    }

    /// The node's SR-IOV slice: VFs 0000:3b:02.1–4, resources by `resourceOf`.
    static func slice(resourceOf: (Int) -> String, node: String = "node-1") -> JSONValue {
        ["apiVersion": "resource.k8s.io/v1", "kind": "ResourceSlice", "metadata": ["name": .string("\(node)-sriov")],
         "spec": ["driver": .string(driver), "nodeName": .string(node),
                  "pool": ["name": .string(node), "generation": 1, "resourceSliceCount": 1],
                  "devices": .array((1...4).map { vf in
                      ["name": .string("0000-3b-02-\(vf)"),
                       "attributes": ["k8s.cni.cncf.io/deviceID": ["string": .string("0000:3b:02.\(vf)")],
                                      "k8s.cni.cncf.io/resourceName": ["string": .string(resourceOf(vf))],
                                      "sriovnetwork.k8snetworkplumbingwg.io/vfID": ["int": .int(vf)]]]
                  })]]
    }

    /// kubelet 1.31+'s DRA checkpoint for `claims` (name → device names) of `podUIDs`.
    func draCheckpoint(_ claims: [(String, [String])], podUIDs: [String]? = nil, request: String = "vf") -> String {
        let entries: [JSONValue] = claims.map { claim in
            ["ClaimUID": .string("uid-\(claim.0)"), "ClaimName": .string(claim.0), "Namespace": .string(namespace),
             "PodUIDs": .object(JSONObject((podUIDs ?? [podUID]).map { ($0, [:]) })),
             "DriverState": .object(JSONObject([(Self.driver, ["Devices": .array(claim.1.map {
                 ["PoolName": "node-1", "DeviceName": .string($0), "RequestNames": [.string(request)], "CDIDeviceIDs": []]
             })])]))]
        }
        let data = JSONValue.object(JSONObject([("kind", "DRACheckpoint"), ("apiVersion", "checkpoint.dra.kubelet.k8s.io/v1"),
                                                ("Entries", .array(entries))])).serialized
        return JSONValue.object(JSONObject([("Data", .string(data)), ("Checksum", .int(Int(Self.crc32(Array(data.utf8)))))])).serialized
    }

    func writeKubeletFile(_ text: String, _ relative: String) throws {
        let path = kubeletRootDir + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// zlib's / Go's IEEE CRC-32, written out here so the test does not trust the code under test.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
        }
        return ~crc
    }
}
