import CNISpec
import Delegation
import KubeAPI
import Logging
import NetworkStatus
import SystemSupport

/// One CNI call: the request, the configuration, and the parts that act
/// (plugin runner, pod namespace, cluster, logger, clock). Every command works
/// on one of these.
package struct Invocation: Sendable {
    package var config: MultusConfig
    package var env: CNIEnvironment
    package var runner: NetworkRunner
    package var sandbox: any SandboxNetworking
    /// nil without `kubeconfig` or `manifestDir`: then only configured networks exist.
    package var cluster: (any ClusterState)?
    package var logger: Logger
    package var time: any TimeSource

    package init(config: MultusConfig, env: CNIEnvironment, runner: NetworkRunner, sandbox: any SandboxNetworking,
                 cluster: (any ClusterState)?, logger: Logger, time: any TimeSource = SystemTime()) {
        self.config = config
        self.env = env
        self.runner = runner
        self.sandbox = sandbox
        self.cluster = cluster
        self.logger = logger
        self.time = time
    }

    /// The real runner: plugins from binDir then CNI_PATH, the results cache under cniDir.
    package static func runner(config: MultusConfig, env: CNIEnvironment, processEnvironment: [String],
                               executor: any PluginExecuting = ProcessPluginExecutor()) -> NetworkRunner {
        let locator = PluginLocator(directories: [config.binDir] + env.path)
        let invoker = PluginInvoker(executor: executor, locator: locator, baseEnvironment: processEnvironment,
                                    timeout: config.pluginTimeout)
        return NetworkRunner(invoker: invoker, cache: ResultCache(cacheDir: config.cniDir))
    }

    var scratch: ScratchCache { ScratchCache(cniDir: config.cniDir) }
    var deviceInfo: DeviceInfoFiles { DeviceInfoFiles(directory: config.deviceInfoDir) }

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

    /// What Go Multus's DEL takes from the call for an entry it wrote itself.
    var goDelegateContext: GoDelegateFormat.Context {
        GoDelegateFormat.Context(containerID: env.containerID, ifName: env.ifName,
                                 args: Planner.delegateArgs(runtimeArgs: env.args), runtimeConfig: config.runtimeConfig,
                                 deviceInfoFolder: deviceInfo.attachmentFolder)
    }

    /// ADD, STATUS and GC wait for the default network's readiness file; DEL does not.
    func waitForReadiness() throws(CNIError) {
        guard let file = config.readinessIndicatorFile else { return }
        try ReadinessIndicator(path: file, time: time).waitUntilReady()
    }
}
