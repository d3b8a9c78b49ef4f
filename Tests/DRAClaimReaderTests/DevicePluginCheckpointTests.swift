import DRAClaimReader
import TestSupport
import Testing

@Suite("device-plugin checkpoint")
struct DevicePluginCheckpointTests {
    @Test("current form: the pod's IDs per resource in file order (NUMA nodes as listed), other pods left out")
    func currentForm() throws {
        let checkpoint = try DevicePluginCheckpoint(parsing: Array(Samples.devicePluginCheckpoint.utf8), path: "cp")
        #expect(checkpoint.entries.count == 3)
        let mine = checkpoint.allocations(podUID: "pod-uid-1")
        #expect(mine.map(\.resource) == ["intel.com/sriov_netdevice", "intel.com/sriov_dpdk"])
        #expect(mine[0].deviceIDs == ["0000:3b:02.3", "0000:3b:02.1", "0000:af:06.0"])
        #expect(mine[1].deviceIDs == ["0000:3b:0a.0"])
        #expect(checkpoint.allocations(podUID: "pod-uid-2").map(\.deviceIDs) == [["0000:3b:02.5"]])
        #expect(checkpoint.allocations(podUID: "nobody").isEmpty)
    }

    @Test("old form: DeviceIDs as a plain list; the checksum is not verified")
    func oldForm() throws {
        let checkpoint = try DevicePluginCheckpoint(parsing: Array(Samples.oldDevicePluginCheckpoint.utf8), path: "cp")
        #expect(checkpoint.allocations(podUID: "pod-uid-1").map(\.deviceIDs) == [["0000:3b:02.3", "0000:3b:02.1"]])
    }

    @Test("loaded from <kubeletRootDir>/device-plugins/kubelet_internal_checkpoint; absent is nil")
    func loadFromKubeletRoot() throws {
        let root = TemporaryDirectory("kubelet")
        defer { root.remove() }
        #expect(try DevicePluginCheckpoint.load(kubeletRootDir: root.path) == nil)
        try root.write(DevicePluginCheckpoint.relativePath, Samples.devicePluginCheckpoint)
        #expect(try DevicePluginCheckpoint.load(kubeletRootDir: root.path)?.entries.count == 3)
    }

    @Test("a corrupted file is an error naming it", arguments: [
        "{\"Data\":{\"PodDeviceEntries\":[{\"PodUID\":", "[]", "{\"Data\":{\"PodDeviceEntries\":{}}}",
        "{\"Data\":{\"PodDeviceEntries\":[{\"PodUID\":\"p\",\"ResourceName\":\"r\",\"DeviceIDs\":\"x\"}]}}",
    ])
    func corrupted(text: String) throws {
        let root = TemporaryDirectory("kubelet")
        defer { root.remove() }
        try root.write(DevicePluginCheckpoint.relativePath, text)
        let error = #expect(throws: DeviceReaderError.self) { try DevicePluginCheckpoint.load(kubeletRootDir: root.path) }
        #expect(error?.description.contains(root.path + "/device-plugins/kubelet_internal_checkpoint") == true, "\(String(describing: error))")
    }
}
