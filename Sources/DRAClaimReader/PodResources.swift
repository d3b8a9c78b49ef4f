import KubeAPI
import ProtobufWire
import UnaryGRPC

/// kubelet's pod-resources API (`List` on
/// `<kubeletRootDir>/pod-resources/kubelet.sock`), reduced to what one pod holds:
/// device-plugin devices per resource, and DRA devices per claim.
package struct PodResources: Sendable, Equatable {
    package static let relativeSocketPath = "pod-resources/kubelet.sock"
    package static let listMethod = "/v1.PodResourcesLister/List"

    /// Device-plugin allocations in container order, IDs as kubelet lists them.
    package var devices: [(resource: String, deviceIDs: [String])]
    /// DRA claims with their devices (only claims whose devices are named:
    /// kubelets before 1.31 sent CDI names only).
    package var claims: [ClaimAllocation]

    package init(devices: [(resource: String, deviceIDs: [String])] = [], claims: [ClaimAllocation] = []) {
        self.devices = devices
        self.claims = claims
    }

    package static func == (lhs: PodResources, rhs: PodResources) -> Bool {
        lhs.devices.map(\.resource) == rhs.devices.map(\.resource)
            && lhs.devices.map(\.deviceIDs) == rhs.devices.map(\.deviceIDs) && lhs.claims == rhs.claims
    }

    /// The pod's entry in a `List` answer (serialized `ListPodResourcesResponse`);
    /// empty when the pod is not listed. `socket` is only for the error message.
    package init(listResponse bytes: [UInt8], pod: ObjectKey, socket: String = "List") throws(DeviceReaderError) {
        self.init()
        do {
            guard let containers = try Self.containers(of: pod, in: bytes) else { return }
            var seenClaims = Set<ObjectKey>()
            for container in containers {
                try read(container: container, pod: pod, seenClaims: &seenClaims)
            }
        } catch {
            throw .podResources(socket: socket, reason: "the List answer is not a ListPodResourcesResponse: \(error)")
        }
    }

    /// Calls `List` on the socket and keeps the pod's part.
    package static func list(socketPath: String, pod: ObjectKey) throws(DeviceReaderError) -> PodResources {
        let answer: [UInt8]
        do {
            // ListPodResourcesRequest has no fields: the empty message.
            answer = try UnaryGRPCCall(socketPath: socketPath, method: listMethod).call([])
        } catch {
            throw .podResources(socket: socketPath, reason: error.description)
        }
        return try PodResources(listResponse: answer, pod: pod, socket: socketPath)
    }
}

// Decoding by hand, with the field numbers of kubelet's podresources v1 API
// (k8s.io/kubelet/pkg/apis/podresources/v1/api.proto):
//
//   ListPodResourcesResponse { repeated PodResources pod_resources = 1; }
//   PodResources             { string name = 1; string namespace = 2; repeated ContainerResources containers = 3; }
//   ContainerResources       { string name = 1; repeated ContainerDevices devices = 2; repeated int64 cpu_ids = 3;
//                              repeated ContainerMemory memory = 4; repeated DynamicResource dynamic_resources = 5; }
//   ContainerDevices         { string resource_name = 1; repeated string device_ids = 2; TopologyInfo topology = 3; }
//   DynamicResource          { string class_name = 1; string claim_name = 2; string claim_namespace = 3;
//                              repeated ClaimResource claim_resources = 4; }
//   ClaimResource            { repeated CDIDevice cdi_devices = 1; string driver_name = 2; string pool_name = 3;
//                              string device_name = 4; }
//
// Fields not listed, and those listed but not needed (cpu_ids, memory,
// topology, class_name, cdi_devices), are skipped unread.
extension PodResources {
    /// The containers of the pod's entry, undecoded; nil when the pod is not listed.
    /// Name and namespace may come after the containers, so an entry is read whole first.
    private static func containers(of pod: ObjectKey, in bytes: [UInt8]) throws(WireError) -> [WireField]? {
        var response = ProtobufReader(bytes)
        while let field = try response.next() {
            guard field.number == 1 else { continue }                    // pod_resources
            var entry = try field.message()
            var name = "", namespace = ""
            var containers: [WireField] = []
            while let f = try entry.next() {
                switch f.number {
                case 1: name = try f.string()                             // name
                case 2: namespace = try f.string()                        // namespace
                case 3: containers.append(f)                              // containers
                default: break
                }
            }
            if name == pod.name && namespace == pod.namespace { return containers }
        }
        return nil
    }

    private mutating func read(container field: WireField, pod: ObjectKey, seenClaims: inout Set<ObjectKey>) throws(WireError) {
        var container = try field.message()                               // ContainerResources
        while let f = try container.next() {
            switch f.number {
            case 2:                                                       // devices: ContainerDevices
                var d = try f.message()
                var resource = "", ids: [String] = []
                while let df = try d.next() {
                    switch df.number {
                    case 1: resource = try df.string()                    // resource_name
                    case 2: ids.append(try df.string())                   // device_ids
                    default: break
                    }
                }
                devices.append((resource, ids))
            case 5:                                                       // dynamic_resources: DynamicResource
                try readDynamicResource(f, pod: pod, seenClaims: &seenClaims)
            default:
                break
            }
        }
    }

    private mutating func readDynamicResource(_ field: WireField, pod: ObjectKey, seenClaims: inout Set<ObjectKey>) throws(WireError) {
        var dynamic = try field.message()
        var claimName = "", claimNamespace = ""
        var named: [AllocatedDevice] = []
        while let f = try dynamic.next() {
            switch f.number {
            case 2: claimName = try f.string()                            // claim_name
            case 3: claimNamespace = try f.string()                       // claim_namespace
            case 4:                                                       // claim_resources: ClaimResource
                var r = try f.message()
                var driver = "", poolName = "", device = ""
                while let rf = try r.next() {
                    switch rf.number {
                    case 2: driver = try rf.string()                      // driver_name
                    case 3: poolName = try rf.string()                    // pool_name
                    case 4: device = try rf.string()                      // device_name
                    default: break
                    }
                }
                if !driver.isEmpty && !device.isEmpty { named.append(.init(driver: driver, pool: poolName, device: device)) }
            default:
                break
            }
        }
        let key = ObjectKey(namespace: claimNamespace.isEmpty ? pod.namespace : claimNamespace, name: claimName)
        // A claim shared by several containers is listed under each of them.
        guard !claimName.isEmpty, seenClaims.insert(key).inserted, !named.isEmpty else { return }
        claims.append(ClaimAllocation(claim: key, devices: named))
    }
}
