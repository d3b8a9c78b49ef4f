import CNISpec
import KubeAPI
import Synchronization

/// A cluster in memory: pods, NADs, claims and slices by key, and every read
/// and write it was asked for (for request counts).
package final class InMemoryCluster: ClusterState {
    package struct State {
        package var pods: [ObjectKey: Pod] = [:]
        package var nads: [ObjectKey: NetworkAttachmentDefinition] = [:]
        package var claims: [ObjectKey: ResourceClaim] = [:]
        package var slices: [ResourceSlice] = []
        package var writes: [ClusterWrite] = []
        /// "pod ns/name", "nad ns/name", "claim ns/name", "slices node/driver".
        package var reads: [String] = []
        /// A failure to answer instead, by read ("pod ns/name") or write ("network-status ns/name",
        /// "claim-status ns/name").
        package var failures: [String: KubeError] = [:]
    }

    private let state = Mutex(State())

    package init() {}

    package func update(_ change: (inout State) -> Void) { state.withLock { change(&$0) } }
    package var snapshot: State { state.withLock { $0 } }

    @discardableResult
    package func addPod(_ name: String, namespace: String = "default", uid: String = "uid-1",
                        annotations: [String: String] = [:], nodeName: String = "node-1") -> Pod {
        let pod = Pod(json: ["metadata": ["name": .string(name), "namespace": .string(namespace), "uid": .string(uid),
                                          "annotations": .object(JSONObject(annotations.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))],
                             "spec": ["nodeName": .string(nodeName)]])
        state.withLock { $0.pods[ObjectKey(namespace: namespace, name: name)] = pod }
        return pod
    }

    package func addNAD(_ name: String, namespace: String = "default", config: String, annotations: [String: String] = [:]) {
        let meta: JSONValue = ["name": .string(name), "namespace": .string(namespace),
                               "annotations": .object(JSONObject(annotations.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))]
        let nad = NetworkAttachmentDefinition(json: ["metadata": meta, "spec": ["config": .string(config)]])
        state.withLock { $0.nads[ObjectKey(namespace: namespace, name: name)] = nad }
    }

    private func read<T>(_ what: String, _ body: (State) -> T) -> Result<T, KubeError> {
        state.withLock { s in
            s.reads.append(what)
            if let failure = s.failures[what] { return .failure(failure) }
            return .success(body(s))
        }
    }

    package func pod(_ key: ObjectKey) throws(KubeError) -> Pod? { try read("pod \(key)") { $0.pods[key] }.get() }

    package func networkAttachmentDefinitions(_ keys: [ObjectKey]) -> [Result<NetworkAttachmentDefinition?, KubeError>] {
        keys.map { key in read("nad \(key)") { $0.nads[key] } }
    }

    package func resourceClaims(_ keys: [ObjectKey]) -> [Result<ResourceClaim?, KubeError>] {
        keys.map { key in read("claim \(key)") { $0.claims[key] } }
    }

    package func resourceSlices(nodeName: String, drivers: [String]) -> [Result<[ResourceSlice], KubeError>] {
        drivers.map { driver in
            read("slices \(nodeName)/\(driver)") { s in s.slices.filter { $0.nodeName == nodeName && $0.driver == driver } }
        }
    }

    package func write(_ writes: [ClusterWrite]) -> [Result<Void, KubeError>] {
        state.withLock { s in
            writes.map { write in
                s.writes.append(write)
                switch write {
                case .networkStatus(let pod, _):
                    if let failure = s.failures["network-status \(pod)"] { return .failure(failure) }
                    if s.pods[pod] == nil { return .failure(.status(code: 404, reason: "NotFound", message: "pods \"\(pod.name)\" not found")) }
                case .claimDeviceStatus(let status):
                    if let failure = s.failures["claim-status \(status.claim)"] { return .failure(failure) }
                    guard let claim = s.claims[status.claim] else {
                        return .failure(.status(code: 404, reason: "NotFound",
                                                message: "resourceclaims.resource.k8s.io \"\(status.claim.name)\" not found"))
                    }
                    switch Result(catching: { () throws(KubeError) in try status.merged(into: claim.json) }) {
                    case .success(let json): s.claims[status.claim] = ResourceClaim(json: json)
                    case .failure(let error): return .failure(error)
                    }
                case .event: break
                }
                return .success(())
            }
        }
    }

    package func shutdown() {}

    package func addClaim(_ json: JSONValue) {
        let claim = ResourceClaim(json: json)
        state.withLock { $0.claims[ObjectKey(namespace: claim.metadata.namespace, name: claim.metadata.name)] = claim }
    }

    /// The claim status writes, in order.
    package var claimStatusWrites: [ClaimDeviceStatus] {
        snapshot.writes.compactMap { if case .claimDeviceStatus(let s) = $0 { s } else { nil } }
    }

    /// The network-status last written for `pod`.
    package func networkStatus(of pod: ObjectKey) -> JSONValue? {
        for write in snapshot.writes.reversed() {
            if case .networkStatus(let key, let value) = write, key == pod { return try? JSONValue(parsing: value) }
        }
        return nil
    }
}
