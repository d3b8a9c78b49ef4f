import CNISpec
import DRAClaimReader
import FuzzSupport
import KubeAPI

// kubelet's DRA checkpoint (dra_manager_state). The 1.31+ form carries a CRC
// of its Data string, which a fuzzer cannot guess: the input is parsed as it
// is, and again with the checksum made right, so the claim list inside gets
// fuzzed too. A pod gets a claim's devices only from an entry of that claim
// that lists the pod; a pod no entry lists gets nothing.
fuzz { input in
    _ = try? DRACheckpoint(parsing: input, path: "dra_manager_state")
    guard case .object(var object)? = try? JSONValue(parsing: input), let data = object["Data"]?.stringValue else { return }
    object["Checksum"] = .int(Int(DRACheckpoint.crc32IEEE(data)))
    guard let checkpoint = try? DRACheckpoint(parsing: JSONValue.object(object).serializedBytes, path: "dra_manager_state")
    else { return }
    check(checkpoint.format == .checksummed, "a {Data, Checksum} checkpoint read as \(checkpoint.format)")
    for entry in checkpoint.entries {
        for podUID in entry.podUIDs + ["a pod no entry lists"] {
            guard let allocation = checkpoint.allocation(of: entry.claim, podUID: podUID) else { continue }
            check(allocation.claim == entry.claim && !allocation.devices.isEmpty
                      && checkpoint.entries.contains { $0.claim == entry.claim && $0.podUIDs.contains(podUID) && $0.devices == allocation.devices },
                  "pod \(podUID) gets \(allocation) from no entry of \(entry.claim) that lists it")
        }
    }
}
