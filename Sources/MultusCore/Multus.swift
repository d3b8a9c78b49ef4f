import CNISpec
import Delegation
import KubeAPI
import Logging

/// The meta-plugin for one invocation: the configuration, the request, and the
/// parts that act (plugin runner, pod namespace, cluster, logger).
package struct Multus: Sendable {
    package var config: MultusConfig
    package var env: CNIEnvironment
    package var runner: NetworkRunner
    package var sandbox: any SandboxNetworking
    /// nil without `kubeconfig` or `manifestDir`: then only static networks exist.
    package var cluster: (any ClusterState)?
    package var logger: Logger
    package var attachmentCache: AttachmentCache

    package init(config: MultusConfig, env: CNIEnvironment, runner: NetworkRunner, sandbox: any SandboxNetworking,
                cluster: (any ClusterState)? = nil, logger: Logger) {
        self.config = config
        self.env = env
        self.runner = runner
        self.sandbox = sandbox
        self.cluster = cluster
        self.logger = logger
        attachmentCache = AttachmentCache(cniDir: config.cniDir)
    }

    /// The real parts: plugins from binDir then CNI_PATH, caches under cniDir.
    package init(config: MultusConfig, env: CNIEnvironment, processEnvironment: [String], sandbox: any SandboxNetworking,
                cluster: (any ClusterState)?, logger: Logger) {
        let locator = PluginLocator(directories: [config.binDir] + env.path)
        let invoker = PluginInvoker(locator: locator, baseEnvironment: processEnvironment)
        self.init(config: config, env: env, runner: NetworkRunner(invoker: invoker, cache: ResultCache(cacheDir: config.cniDir)),
                  sandbox: sandbox, cluster: cluster, logger: logger)
    }

    var planner: Planner { Planner(config: config) }
    var resolver: NetworkResolver { NetworkResolver(config: config, cluster: cluster) }

    var podKey: ObjectKey? {
        guard let ns = env.args["K8S_POD_NAMESPACE"], let name = env.args["K8S_POD_NAME"], !ns.isEmpty, !name.isEmpty
        else { return nil }
        return ObjectKey(namespace: ns, name: name)
    }

    /// `namespace/name/uid`, or the container ID outside Kubernetes: the prefix of
    /// every error, so a message in kubelet's log says which pod it is about.
    var podRef: String {
        guard let key = podKey else { return env.containerID }
        return "\(key)/\(env.args["K8S_POD_UID"] ?? "")"
    }

    func context(_ network: String) -> String { "[\(podRef):\(network)]" }

    /// The master and defaultNetworks, as configured (STATUS and GC use them).
    func configuredNetworks() throws(CNIError) -> [PlannedNetwork] {
        try resolver.networks(podNamespace: nil, pod: nil)
    }

    /// ADD, STATUS and GC wait for the default network's readiness file; DEL does not.
    func waitForReadiness() throws(CNIError) {
        guard let file = config.readinessIndicatorFile else { return }
        try ReadinessIndicator(path: file).waitUntilReady()
    }
}
