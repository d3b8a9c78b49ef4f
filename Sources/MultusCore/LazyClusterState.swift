import KubeAPI

/// Connects to the cluster on first use: a DEL that finds its scratch cache,
/// or a VERSION, never pays for a TLS client it does not need.
actor LazyClusterState: ClusterState {
    private let connect: @Sendable () throws(KubeError) -> any ClusterState
    private var connected: (any ClusterState)?

    init(connect: @escaping @Sendable () throws(KubeError) -> any ClusterState) {
        self.connect = connect
    }

    private func state() throws(KubeError) -> any ClusterState {
        if let connected { return connected }
        let state = try connect()
        connected = state
        return state
    }

    func pod(_ key: ObjectKey) async throws(KubeError) -> Pod? { try await state().pod(key) }

    func networkAttachmentDefinition(_ key: ObjectKey) async throws(KubeError) -> NetworkAttachmentDefinition? {
        try await state().networkAttachmentDefinition(key)
    }

    func setNetworkStatus(of pod: ObjectKey, to value: String) async throws(KubeError) {
        try await state().setNetworkStatus(of: pod, to: value)
    }

    func postEvent(_ event: PodEvent) async throws(KubeError) { try await state().postEvent(event) }

    func resourceClaim(_ key: ObjectKey) async throws(KubeError) -> ResourceClaim? { try await state().resourceClaim(key) }

    func resourceSlices(nodeName: String, driver: String) async throws(KubeError) -> [ResourceSlice] {
        try await state().resourceSlices(nodeName: nodeName, driver: driver)
    }

    func shutdown() async { await connected?.shutdown() }
}
