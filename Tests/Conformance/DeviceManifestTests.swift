import CNISpec
import Foundation
import Testing

/// The SR-IOV + DRA examples (`install/examples/{dra-*,sriov-device-plugin}`)
/// run locally: their `node/` folder as `manifestDir` (pod, NADs, claims,
/// slices), its `kubelet/` as `kubeletRootDir`, its `devinfo/` as
/// `deviceInfoDir`, with `cni-conf/sriov-local.conf` and the recording `sriov`
/// double. What each network's plugin received is checked against what the
/// example's README promises.
@Suite(.enabled(if: Harness.canRun, "needs root and containernetworking-plugins in /usr/lib/cni"))
struct DeviceManifestTests {
    struct Example: Sendable, CustomTestStringConvertible {
        var folder: String
        var namespace: String
        var pod: String
        var uid: String
        /// ifName → (network, deviceID)
        var devices: [(String, String, String)]
        /// What the claims' status shows after ADD (KEP-4817 network data), and no more after DEL.
        var claimNetworkData: [String] = []
        var testDescription: String { folder }
    }

    static let examples = [
        Example(folder: "dra-multiple-claims", namespace: "vf-test9", pod: "pod0-7d9c6b5f4-x2kq9",
                uid: "5b0c3f5e-1d2a-4c7e-9f41-0a9e2d6b7c11",
                devices: [("net1", "vf-test9/vf-test1", "0000:3b:02.1"), ("net2", "vf-test9/vf-test2", "0000:3b:02.2")]),
        Example(folder: "dra-static-claim", namespace: "vf-test7", pod: "pod0", uid: "0c1d8e52-77a4-4f0b-8a55-3e2f9b6c4d20",
                devices: [("net1", "vf-test7/vf-test1", "0000:3b:02.3")]),
        Example(folder: "dra-two-vfs-one-claim", namespace: "vf-test8", pod: "pod0-6f8d9c7b5-r4t2w",
                uid: "3e9a1f07-6c5b-4d2e-b8a9-7f1c0e2d3b4a",
                devices: [("net1", "vf-test8/vf-test1", "0000:3b:02.4"), ("net2", "vf-test8/vf-test1", "0000:3b:02.2")]),
        Example(folder: "sriov-device-plugin", namespace: "default", pod: "sriov-pod", uid: "8d2f4b6a-0c1e-4f3a-9b5d-7e6c8a0b2d4f",
                devices: [("net1", "default/sriov-net", "0000:3b:02.4"), ("net2", "default/sriov-net", "0000:af:06.1")]),
        Example(folder: "dra-extended-resource", namespace: "default", pod: "sriov-pod", uid: "6a4e2c1b-9d3f-4e8a-b7c5-1f0e2d3c4b5a",
                devices: [("net1", "default/sriov-a", "0000:3b:02.5"), ("net2", "default/sriov-b", "0000:3b:02.3")],
                claimNetworkData: ["interfaceName: net1", "- 10.56.217.11/24", #"hardwareAddress: "02:00:00:00:00:01""#,
                                   "interfaceName: net2", "- 10.56.217.12/24", #"hardwareAddress: "02:00:00:00:00:02""#]),
    ]

    @Test("each example's node state gives each network the VF its README names", arguments: examples)
    func example(_ example: Example) throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let fixture = try DeviceFixture(sandbox: sandbox, namespace: example.namespace, podName: example.pod, podUID: example.uid)
        let node = sandbox.dir + "/node"
        try FileManager.default.copyItem(atPath: Harness.packageRoot + "/install/examples/\(example.folder)/node", toPath: node)

        // cni-conf/sriov-local.conf, moved into the sandbox (its paths, bridge and subnet).
        var text = try String(contentsOfFile: Harness.packageRoot + "/cni-conf/sriov-local.conf", encoding: .utf8)
        text = text.replacingOccurrences(of: "/tmp/multus-swift-sriov", with: sandbox.dir)
        var config = try JSONValue(parsing: text)
        #expect(config["binDir"]?.stringValue == fixture.binDir && config["manifestDir"]?.stringValue == node)
        config["delegates"] = [sandbox.bridgeNetwork(name: "cluster")]
        config["logToStderr"] = false

        let add = try fixture.cni("ADD", config.serialized)
        #expect(add.status == 0, "\(add.stdout)")
        for (ifName, network, deviceID) in example.devices {
            let stdin = fixture.recorded("ADD", ifName)
            #expect(stdin?["deviceID"]?.stringValue == deviceID, "\(ifName)")
            #expect(stdin?["pciBusID"]?.stringValue == deviceID, "\(ifName)")
            let infoFile = "\(node)/devinfo/cni/\(network.replacingOccurrences(of: "/", with: "-"))-\(fixture.containerID)_\(ifName)"
            #expect(stdin?["runtimeConfig"] == ["CNIDeviceInfoFile": .string(infoFile), "deviceID": .string(deviceID)], "\(ifName)")
        }

        let state = try String(contentsOfFile: node + "/state.yml", encoding: .utf8)
        #expect(state.contains("k8s.v1.cni.cncf.io/network-status"), "network-status written back into the pod")
        if example.folder == "sriov-device-plugin" {
            #expect(state.contains("pf-pci-address"), "the device plugin's device-info shown in network-status")
        }
        let prepared = state.components(separatedBy: "reason: Prepared").count
        for line in example.claimNetworkData { #expect(state.contains(line), "\(line) in the claim's status") }

        #expect(try fixture.cni("DEL", config.serialized).status == 0)
        if !example.claimNetworkData.isEmpty {
            let after = try String(contentsOfFile: node + "/state.yml", encoding: .utf8)
            #expect(!after.contains("networkData"), "DEL released the claim's network data")
            #expect(after.components(separatedBy: "reason: Prepared").count == prepared, "the driver's entries stay")
            #expect(prepared == 3, "both of the driver's conditions were there after ADD")
        }
        let left = (try? FileManager.default.contentsOfDirectory(atPath: node + "/devinfo/cni")) ?? []
        #expect(left.isEmpty, "\(left)")
        #expect(sandbox.cacheFiles().isEmpty)
    }
}
