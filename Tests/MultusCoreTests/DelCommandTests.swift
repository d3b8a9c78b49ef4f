import CNISpec
import Delegation
import Foundation
import KubeAPI
import SystemSupport
import TestSupport
import Testing
@testable import MultusCore

@Suite struct DelCommandTests {
    private func delTrace(_ f: CommandFixture) -> [String] { f.executor.trace.filter { $0.hasPrefix("DEL") } }

    @Test func delDeletesEveryCachedAttachmentInReverseAndRemovesTheCaches() throws {
        let f = try CommandFixture()
        defer { f.remove() }
        _ = try f.add()
        try f.del()
        #expect(delTrace(f) == ["DEL plug-c@net2", "DEL plug-b@net1", "DEL plug-a@eth0"])
        #expect(!FileSystem.exists(f.scratchFile) && f.resultsEntries.isEmpty)
    }

    /// containerd sends a DEL per StopPodSandbox and one on RemovePodSandbox.
    @Test func aDelAfterAFinishedDelRunsNoDelegateAndReadsNothingFromTheCluster() throws {
        let cluster = InMemoryCluster()
        cluster.addPod("web-0")
        let f = try CommandFixture(cluster: cluster)
        defer { f.remove() }
        _ = try f.add()
        try f.del()
        let calls = f.executor.calls.count
        let reads = cluster.snapshot.reads.count
        try f.del()
        try f.del()
        #expect(f.executor.calls.count == calls)
        #expect(cluster.snapshot.reads.count == reads)
    }

    @Test func failedDelegateDelKeepsTheWholeScratchCacheWithRetryDeleteOnError() throws {
        let f = try CommandFixture(extraConfig: #""retryDeleteOnError":true,"#,
                                   failures: ["plug-b/DEL": RecordingExecutor.error(code: 11, msg: "try later")])
        defer { f.remove() }
        _ = try f.add()
        let error = failure { try f.del() }
        #expect(error?.code == 11 && error?.msg.contains("net-b") == true)
        #expect(delTrace(f) == ["DEL plug-c@net2", "DEL plug-b@net1", "DEL plug-a@eth0"])
        #expect(f.cached()?.map(\.network) == ["net-a", "net-b", "net-c"])
    }

    @Test func failedDelegateDelKeepsOnlyWhatIsLeftWithoutRetryDeleteOnError() throws {
        let f = try CommandFixture(failures: ["plug-b/DEL": RecordingExecutor.error(code: 11, msg: "try later")])
        defer { f.remove() }
        _ = try f.add()
        #expect(failure { try f.del() }?.code == 11)
        #expect(f.cached()?.map(\.network) == ["net-b"])
        #expect(f.resultsEntries.map(\.networkName) == ["net-b"])
    }

    @Test func delWithoutScratchCacheUsesTheResultsCacheAndDeletesTheMasterLast() throws {
        // The master's cache file sorts last by name, so only the rule puts it last.
        let f = try CommandFixture(delegates: [conf("zz-master", type: "plug-a"), conf("net-b", type: "plug-b"), conf("net-c", type: "plug-c")])
        defer { f.remove() }
        _ = try f.add()
        let cached = Dictionary(uniqueKeysWithValues: f.resultsEntries.map { ($0.networkName, $0.result) })
        try FileSystem.remove(f.scratchFile)
        try f.del()
        let dels = f.executor.calls("DEL")
        #expect(dels.count == 3 && dels.last?.type == "plug-a" && dels.last?.ifName == "eth0")
        for call in dels {
            let name = call.stdin["name"]?.stringValue ?? ""
            #expect(call.stdin["prevResult"] == cached[name] ?? nil, "prevResult of \(name)")
            #expect(call.args?.contains("K8S_POD_NAME=web-0") == true)
        }
        #expect(f.resultsEntries.isEmpty)
    }

    @Test func delWithAnUnreadableScratchCacheFallsBackToTheResultsCache() throws {
        let f = try CommandFixture()
        defer { f.remove() }
        _ = try f.add()
        try f.dir.write("cni/c0ffee", "{corrupted", mode: 0o600)
        try f.del()
        #expect(f.executor.calls("DEL").count == 3 && f.executor.calls("DEL").last?.type == "plug-a")
        #expect(!FileSystem.exists(f.scratchFile) && f.resultsEntries.isEmpty)
    }

    @Test func delWithNothingCachedSucceedsWithoutRunningAnything() throws {
        let f = try CommandFixture()
        defer { f.remove() }
        try f.del()
        #expect(f.executor.calls.isEmpty)
    }

    /// A 300-byte CNI_CONTAINERID: ADD refuses it with code 4, DEL has nothing to undo.
    @Test func aContainerIDThatCouldNeverHaveBeenAddedIsRefusedByAddAndIgnoredByDel() throws {
        let f = try CommandFixture()
        defer { f.remove() }
        let id = String(repeating: "a", count: 300)
        let error = #expect(throws: CNIError.self) {
            try CNIEnvironment(environment: ["CNI_COMMAND": "ADD", "CNI_CONTAINERID": id, "CNI_NETNS": "/x", "CNI_IFNAME": "eth0"])
        }
        #expect(error?.code == CNIError.invalidEnvironment && error?.msg.contains("CNI_CONTAINERID") == true)
        try f.del(containerID: id)
        try f.del(containerID: "../../etc")
        #expect(f.executor.calls.isEmpty)
    }

    @Test func delRemovesWhatAKilledWriterLeftForThatContainer() throws {
        let f = try CommandFixture()
        defer { f.remove() }
        _ = try f.add()
        try f.dir.write("cni/c0ffee.tmp-99-1", "half")
        try f.dir.write("cni/results/net-a-c0ffee-eth0.tmp-99-2", "half")
        try f.dir.write("cni/other.tmp-99-3", "not ours")
        try f.del()
        #expect(!f.dir.exists("cni/c0ffee.tmp-99-1") && !f.dir.exists("cni/results/net-a-c0ffee-eth0.tmp-99-2"))
        #expect(f.dir.exists("cni/other.tmp-99-3"))
    }

    @Test func aCachedDeviceInfoPathOutsideOurFolderIsNeverRemoved() throws {
        let f = try CommandFixture()
        defer { f.remove() }
        try f.dir.write("victim", "keep")
        let attachment = CachedAttachment(
            network: "net-a", ifName: "eth0", config: try JSONValue(parsing: conf("net-a", type: "plug-a")), args: CNIArgs(),
            capabilityArgs: JSONObject(), isMaster: true,
            device: CachedDevice(deviceID: "x", resourceName: nil, infoFile: f.dir.file("devinfo/cni/../../victim")))
        try f.scratch.save(containerID: "c0ffee", [attachment])
        try f.del()
        #expect(f.dir.read("victim") == "keep")
    }

    /// Both caches gone: DEL rebuilds the plan from the pod, devices included (exactly as ADD assigns them).
    @Test func delRebuiltFromThePodAssignsDevicesAsAddDoes() throws {
        let cluster = InMemoryCluster()
        cluster.addPod("web-0", annotations: ["k8s.v1.cni.cncf.io/networks": "vf-a,vf-b"])
        cluster.addNAD("vf-a", config: conf("vf-a", type: "plug-b"), annotations: ["k8s.v1.cni.cncf.io/resourceName": "intel.com/vf"])
        cluster.addNAD("vf-b", config: conf("vf-b", type: "plug-c"), annotations: ["k8s.v1.cni.cncf.io/resourceName": "intel.com/vf"])
        let f = try CommandFixture(extraConfig: #""kubeletRootDir":"KUBELET","#.replacingOccurrences(of: "KUBELET", with: "/nonexistent"),
                                   delegates: [conf("net-a", type: "plug-a")], cluster: cluster)
        defer { f.remove() }
        var withKubelet = f
        try f.dir.write("kubelet/device-plugins/kubelet_internal_checkpoint", #"""
            {"Data":{"PodDeviceEntries":[{"PodUID":"uid-1","ContainerName":"c","ResourceName":"intel.com/vf",
              "DeviceIDs":{"0":["0000:03:00.1","0000:03:00.2"]},"AllocResp":""}],"RegisteredDevices":{}},"Checksum":0}
            """#)
        withKubelet.config.kubeletRootDir = f.dir.file("kubelet")
        _ = try AddCommand(invocation: withKubelet.invocation(.add)).run()
        let added = withKubelet.executor.calls("ADD").map { $0.stdin["deviceID"]?.stringValue }
        try FileSystem.remove(f.scratchFile)
        TemporaryDirectory.removeTree(f.dir.file("cni/results"))
        try DelCommand(invocation: withKubelet.invocation(.del)).run()
        let deleted = withKubelet.executor.calls("DEL").map { $0.stdin["deviceID"]?.stringValue }
        #expect(added == [nil, "0000:03:00.1", "0000:03:00.2"])
        #expect(deleted == ["0000:03:00.2", "0000:03:00.1", nil])
    }
}
