import KubeAPI
import Synchronization

/// Connects to the cluster on first use: a DEL that finds its scratch cache,
/// or a VERSION, never pays for a TLS client it does not need.
final class LazyClusterState: ClusterState {
    private let connect: @Sendable () throws(KubeError) -> any ClusterState
    private let connected = Mutex<(any ClusterState)?>(nil)

    init(connect: @escaping @Sendable () throws(KubeError) -> any ClusterState) {
        self.connect = connect
    }

    private func state() throws(KubeError) -> any ClusterState {
        try connected.withLock { (current: inout (any ClusterState)?) throws(KubeError) -> any ClusterState in
            if let current { return current }
            let state = try connect()
            current = state
            return state
        }
    }

    private func batch<T>(_ count: Int, _ body: (any ClusterState) -> [Result<T, KubeError>]) -> [Result<T, KubeError>] {
        do { return body(try state()) } catch { return Array(repeating: .failure(error), count: count) }
    }

    func pod(_ key: ObjectKey) throws(KubeError) -> Pod? { try state().pod(key) }

    func networkAttachmentDefinitions(_ keys: [ObjectKey]) -> [Result<NetworkAttachmentDefinition?, KubeError>] {
        batch(keys.count) { $0.networkAttachmentDefinitions(keys) }
    }

    func resourceClaims(_ keys: [ObjectKey]) -> [Result<ResourceClaim?, KubeError>] {
        batch(keys.count) { $0.resourceClaims(keys) }
    }

    func resourceSlices(nodeName: String, drivers: [String]) -> [Result<[ResourceSlice], KubeError>] {
        batch(drivers.count) { $0.resourceSlices(nodeName: nodeName, drivers: drivers) }
    }

    func write(_ writes: [ClusterWrite]) -> [Result<Void, KubeError>] { batch(writes.count) { $0.write(writes) } }

    func shutdown() { connected.withLock { $0?.shutdown() } }
}
