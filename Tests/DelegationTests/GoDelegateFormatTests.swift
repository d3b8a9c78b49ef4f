import CNISpec
import Delegation
import Testing

/// The scratch cache in Go Multus's format, both ways.
@Suite struct GoDelegateFormatTests {
    /// Written by Go Multus's thin plugin (upstream 96534b6, `saveDelegates`) for
    /// an ADD with `delegates` [a conf "cluster", a conflist "extra"], no Kubernetes.
    static let goWritten = #"""
        [{"Conf":{"capabilities":{"portMappings":true},"cniVersion":"1.0.0","ipam":{},"name":"cluster","type":"fakeplug"},"ConfList":{},"Name":"cluster","IsFilterV4Gateway":false,"IsFilterV6Gateway":false,"Bytes":"eyJjYXBhYmlsaXRpZXMiOnsicG9ydE1hcHBpbmdzIjp0cnVlfSwiY25pVmVyc2lvbiI6IjEuMC4wIiwibmFtZSI6ImNsdXN0ZXIiLCJ0eXBlIjoiZmFrZXBsdWcifQ=="},{"Conf":{"cniVersion":"1.0.0","ipam":{},"name":"extra"},"ConfList":{"cniVersion":"1.0.0","name":"extra","plugins":[{"ipam":{},"type":"fakeplug"},{"ipam":{},"type":"fakeplug"}]},"Name":"extra","IsFilterV4Gateway":false,"IsFilterV6Gateway":false,"Bytes":"eyJjbmlWZXJzaW9uIjoiMS4wLjAiLCJuYW1lIjoiZXh0cmEiLCJwbHVnaW5zIjpbeyJ0eXBlIjoiZmFrZXBsdWcifSx7ImFyZ3MiOnsiY25pIjp7ImEiOiJiIn19LCJ0eXBlIjoiZmFrZXBsdWcifV19"}]
        """#

    /// A Go entry for an annotation network with requests (field names of Go's
    /// `types.DelegateNetConf` json tags), as its DEL reads them.
    static let goSelection = #"""
        [{"Conf":{"cniVersion":"1.0.0","name":"cluster","type":"bridge"},"ConfList":{},"Name":"cluster","IsFilterV4Gateway":false,"IsFilterV6Gateway":false,"Bytes":"eyJjbmlWZXJzaW9uIjoiMS4wLjAiLCJuYW1lIjoiY2x1c3RlciIsInR5cGUiOiJicmlkZ2UifQ=="},
         {"Conf":{"cniVersion":"1.0.0","name":"vf","type":"sriov"},"ConfList":{},"Name":"apps/vf","ifnameRequest":"data0","macRequest":"02:00:00:00:00:05","ipRequest":["10.1.1.5/24"],"IsFilterV4Gateway":true,"IsFilterV6Gateway":true,"deviceID":"0000:03:00.1","resourceName":"intel.com/vf","Bytes":"eyJjbmlWZXJzaW9uIjoiMS4wLjAiLCJuYW1lIjoidmYiLCJ0eXBlIjoic3Jpb3YiLCJkZXZpY2VJRCI6IjAwMDA6MDM6MDAuMSJ9"},
         {"Conf":{"cniVersion":"1.0.0","name":"third","type":"macvlan"},"ConfList":{},"Name":"apps/third","IsFilterV4Gateway":true,"IsFilterV6Gateway":true,"Bytes":"eyJjbmlWZXJzaW9uIjoiMS4wLjAiLCJuYW1lIjoidGhpcmQiLCJ0eXBlIjoibWFjdmxhbiJ9"}]
        """#

    let context = GoDelegateFormat.Context(
        containerID: "c1", ifName: "eth0",
        args: CNIArgs([("IgnoreUnknown", "true"), ("K8S_POD_NAMESPACE", "apps"), ("K8S_POD_NAME", "p")]),
        runtimeConfig: JSONObject([("portMappings", [["hostPort": 80]])]), deviceInfoFolder: "/run/devinfo/cni")

    /// Upgrade: what Go Multus wrote, multus-swift reads, as Go's own DEL would.
    @Test func goWrittenCacheIsReadAsGoMultusDelReadsIt() throws {
        let list = try GoDelegateFormat.decode(try JSONValue(parsing: Self.goWritten), context: context)
        #expect(list.map(\.network) == ["cluster", "extra"])
        #expect(list.map(\.ifName) == ["eth0", "net1"])
        #expect(list.map(\.isMaster) == [true, false])
        #expect(list[0].config["capabilities"] == ["portMappings": true])
        #expect(list[1].config["plugins"]?.arrayValue?[1]["args"] == ["cni": ["a": "b"]])
        #expect(list.allSatisfy { $0.args == context.args && $0.capabilityArgs == context.runtimeConfig })
    }

    /// Go's getIfname, createRuntimeConf and mergeCNIRuntimeConfig for a selection with requests and a device.
    @Test func goEntriesGetTheirRequestsAndDeviceAsGoRebuildsThem() throws {
        let list = try GoDelegateFormat.decode(try JSONValue(parsing: Self.goSelection), context: context)
        #expect(list.map(\.ifName) == ["eth0", "data0", "net2"])
        let vf = list[1]
        #expect(vf.network == "apps/vf")
        #expect(vf.capabilityArgs["mac"] == "02:00:00:00:00:05" && vf.capabilityArgs["ips"] == ["10.1.1.5/24"])
        #expect(vf.capabilityArgs["deviceID"] == "0000:03:00.1")
        #expect(vf.capabilityArgs["CNIDeviceInfoFile"] == "/run/devinfo/cni/apps-vf-c1_data0")
        #expect(vf.device == CachedDevice(deviceID: "0000:03:00.1", resourceName: "intel.com/vf", infoFile: "/run/devinfo/cni/apps-vf-c1_data0"))
        #expect(list[0].capabilityArgs == context.runtimeConfig, "the master gets the runtime's runtimeConfig only")
    }

    /// Rollback: what multus-swift writes carries every field Go's DEL reads,
    /// and multus-swift reads back exactly what it wrote.
    @Test func ourCacheCarriesWhatGoReadsAndRoundTrips() throws {
        let conflist: JSONValue = ["cniVersion": "0.4.0", "name": "chain", "plugins": [["type": "bridge"], ["type": "tuning"]]]
        let attachments = [
            CachedAttachment(network: "cluster", ifName: "eth0", config: ["cniVersion": "1.0.0", "name": "cluster", "type": "bridge"],
                             args: context.args, capabilityArgs: JSONObject(), isMaster: true, netns: "/run/netns/p"),
            CachedAttachment(network: "apps/chain", ifName: "data0", config: conflist, args: context.args,
                             capabilityArgs: JSONObject([("mac", "02:00:00:00:00:05")]), isMaster: false,
                             device: CachedDevice(deviceID: "0000:03:00.1", resourceName: "intel.com/vf", infoFile: "/run/devinfo/cni/x"),
                             requests: SelectionRequests(mac: "02:00:00:00:00:05", ips: ["10.1.1.5/24"]), netns: "/run/netns/p"),
        ]
        let json = GoDelegateFormat.encode(attachments)
        let entries = try #require(json.arrayValue)
        // What Go Multus's CmdDel uses: Bytes, ConfList.plugins (conflist or not), Name, the requests, deviceID.
        #expect(entries[0]["Conf"]?["type"] == "bridge" && entries[0]["ConfList"] == nil && entries[0]["ifnameRequest"] == nil)
        #expect(entries[1]["ConfList"]?["plugins"]?.arrayValue?.count == 2 && entries[1]["ConfList"]?["cniVersion"] == "0.4.0")
        #expect(entries[1]["Name"] == "apps/chain" && entries[1]["ifnameRequest"] == "data0")
        #expect(entries[1]["macRequest"] == "02:00:00:00:00:05" && entries[1]["ipRequest"] == ["10.1.1.5/24"])
        #expect(entries[1]["deviceID"] == "0000:03:00.1" && entries[1]["resourceName"] == "intel.com/vf")
        let bytes = try #require(entries[1]["Bytes"]?.stringValue.flatMap(Base64.decode))
        #expect(try JSONValue(parsing: bytes) == conflist)
        #expect(try GoDelegateFormat.decode(json, context: context) == attachments)
    }

    /// What DEL needs to release a claim device's network data rides under multusSwift; Go ignores it.
    @Test func theClaimDeviceOfAnAttachmentRoundTripsUnderOurKey() throws {
        let claim = CachedDevice.ClaimDevice(namespace: "apps", name: "p-extended-resources-x7k2p", driver: "sriov.example.com",
                                             pool: "node-1", device: "vf-3", apiVersion: "v1")
        let attachment = CachedAttachment(
            network: "apps/vf", ifName: "net1", config: ["cniVersion": "1.0.0", "name": "vf", "type": "sriov"], args: context.args,
            capabilityArgs: JSONObject(), isMaster: false,
            device: CachedDevice(deviceID: "0000:3b:02.3", resourceName: "intel.com/sriov_vf", infoFile: "/run/devinfo/cni/x", claim: claim))
        let json = GoDelegateFormat.encode([attachment])
        #expect(json.arrayValue?[0]["multusSwift"]?["claimDevice"] == [
            "namespace": "apps", "name": "p-extended-resources-x7k2p", "driver": "sriov.example.com", "pool": "node-1",
            "device": "vf-3", "apiVersion": "v1",
        ])
        #expect(json.arrayValue?[0]["claimDevice"] == nil, "nothing at the top, where Go's DelegateNetConf lives")
        #expect(try GoDelegateFormat.decode(json, context: context) == [attachment])
    }

    @Test func somethingThatIsNotAListOfDelegatesIsMalformed() {
        #expect(throws: GoDelegateFormat.DecodeError.self) { try GoDelegateFormat.decode(["kind": "x"], context: context) }
        #expect(throws: GoDelegateFormat.DecodeError.self) { try GoDelegateFormat.decode([["Name": "x"]], context: context) }
    }
}
