import DRAClaimReader
import Testing

@Suite("ResourceMap")
struct ResourceMapTests {
    @Test("IDs are consumed in allocation order, one per network, per resource")
    func consumedInAllocationOrder() {
        var map = ResourceMap([("sriov/vf", ["0000:3b:02.3", "0000:3b:02.1"]), ("other", ["x"])])
        map.append(resource: "sriov/vf", deviceIDs: ["0000:af:06.0"])
        #expect(map.take("sriov/vf") == "0000:3b:02.3")
        #expect(map.take("other") == "x")
        #expect(map.take("sriov/vf") == "0000:3b:02.1")
        #expect(map.take("sriov/vf") == "0000:af:06.0")
        #expect(map.take("sriov/vf") == nil)
        #expect(map.take("missing") == nil)
        #expect(map.deviceIDs(of: "sriov/vf") == ["0000:3b:02.3", "0000:3b:02.1", "0000:af:06.0"], "no sorting")
    }

    @Test("CRC-32 (zlib's) is the IEEE one kubelet uses")
    func crc32CheckValue() {
        #expect(DRACheckpoint.crc32IEEE("123456789") == 0xCBF4_3926)
        #expect(DRACheckpoint.crc32IEEE("") == 0)
        #expect(DRACheckpoint.crc32IEEE(Samples.draCheckpointData) == Samples.draCheckpointChecksum)
        let long = String(repeating: "multus-swift ", count: 10_000)
        #expect(DRACheckpoint.crc32IEEE(long) == bitwiseCRC32(Array(long.utf8)))
    }
}
