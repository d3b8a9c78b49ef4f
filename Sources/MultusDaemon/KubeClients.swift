import KubeAPI
import SystemSupport
import Synchronization

/// Kubernetes clients for the daemon's long life: the configuration (and so
/// a rotated service-account token) is read again for clients made after
/// `maximumAge`; request clients are pooled (each holds one connection), so
/// concurrent pods write their network-status on parallel connections.
final class KubeClients: Sendable {
    let kubeconfigPath: String?
    let options: KubeClient.Options
    let maximumAge: Duration
    let poolSize: Int
    private let clock = SystemTime()
    private struct Pooled { var state: APIServerClusterState; var made: Duration }
    private let idle = Mutex<[Pooled]>([])

    init(kubeconfigPath: String?, options: KubeClient.Options = KubeClient.Options(userAgent: "multus-swift-daemon"),
         maximumAge: Duration = .seconds(300), poolSize: Int = 8) {
        self.kubeconfigPath = kubeconfigPath
        self.options = options
        self.maximumAge = maximumAge
        self.poolSize = poolSize
    }

    /// A fresh client (the watch loops make one per LIST/WATCH round).
    func makeClient() throws(KubeError) -> KubeClient {
        try KubeClient(config: try KubeClientConfig.load(kubeconfigPath: kubeconfigPath), options: options)
    }

    /// A pooled client for one request; give it back with `giveBack`.
    func lease() throws(KubeError) -> (APIServerClusterState, Duration) {
        let now = clock.now
        while let pooled = idle.withLock({ $0.popLast() }) {
            if now - pooled.made < maximumAge { return (pooled.state, pooled.made) }
            pooled.state.shutdown()
        }
        return (APIServerClusterState(client: try makeClient()), now)
    }

    func giveBack(_ state: APIServerClusterState, made: Duration) {
        let kept = idle.withLock { pool -> Bool in
            guard pool.count < poolSize, clock.now - made < maximumAge else { return false }
            pool.append(Pooled(state: state, made: made))
            return true
        }
        if !kept { state.shutdown() }
    }
}
