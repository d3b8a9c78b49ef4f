import KubeAPI
import SwiftProtobuf

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
        let response: V1_ListPodResourcesResponse
        do { response = try V1_ListPodResourcesResponse(serializedBytes: bytes) } catch {
            throw .podResources(socket: socket, reason: "the List answer is not a ListPodResourcesResponse: \(error)")
        }
        self.init()
        guard let entry = response.podResources.first(where: { $0.namespace == pod.namespace && $0.name == pod.name })
        else { return }
        var seenClaims = Set<ObjectKey>()
        for container in entry.containers {
            for device in container.devices {
                devices.append((device.resourceName, device.deviceIds))
            }
            for dynamic in container.dynamicResources {
                let key = ObjectKey(namespace: dynamic.claimNamespace.isEmpty ? pod.namespace : dynamic.claimNamespace,
                                    name: dynamic.claimName)
                // A claim shared by several containers is listed under each of them.
                guard !dynamic.claimName.isEmpty, seenClaims.insert(key).inserted else { continue }
                let named = dynamic.claimResources.filter { !$0.driverName.isEmpty && !$0.deviceName.isEmpty }
                guard !named.isEmpty else { continue }
                claims.append(ClaimAllocation(claim: key, devices: named.map {
                    .init(driver: $0.driverName, pool: $0.poolName, device: $0.deviceName)
                }))
            }
        }
    }

    /// Calls `List` on the socket and keeps the pod's part.
    package static func list(socketPath: String, pod: ObjectKey) throws(DeviceReaderError) -> PodResources {
        let outcome = blockingWait { () async -> Result<[UInt8], GRPCUnaryCall.Failure> in
            do { return .success(try await GRPCUnaryCall(socketPath: socketPath, method: listMethod).call([])) } catch {
                return .failure(GRPCUnaryCall.Failure(description: "\(error)"))
            }
        }
        let answer: [UInt8]
        do { answer = try outcome.get() } catch { throw .podResources(socket: socketPath, reason: error.description) }
        return try PodResources(listResponse: answer, pod: pod, socket: socketPath)
    }
}
