import DRAClaimReader
import FuzzSupport

// kubelet's device-plugin checkpoint (device-plugins/kubelet_internal_checkpoint)
// is read on every ADD of a pod with a resourceName. Any bytes must parse or
// fail cleanly; a parsed checkpoint answers for each pod it lists, and only
// with that pod's entries.
fuzz { input in
    guard let checkpoint = try? DevicePluginCheckpoint(parsing: input, path: "kubelet_internal_checkpoint") else { return }
    for entry in checkpoint.entries {
        let allocations = checkpoint.allocations(podUID: entry.podUID)
        check(allocations.count == checkpoint.entries.filter { $0.podUID == entry.podUID }.count,
              "pod \(entry.podUID) has \(allocations.count) allocations")
        check(allocations.contains { $0.resource == entry.resourceName && $0.deviceIDs == entry.deviceIDs },
              "the allocation of \(entry.resourceName) to pod \(entry.podUID) is lost")
    }
}
