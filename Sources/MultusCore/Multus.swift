import CNISpec
import Delegation
import Logging

/// Asks whether an interface already exists inside a sandbox. Behind a protocol
/// so planning tests need no namespaces.
public protocol SandboxInspecting: Sendable {
    func interfaceExists(named name: String, inNetns path: String) throws(CNIError) -> Bool
}

/// The meta-plugin for one invocation: the configuration, the request, and the
/// parts that act (plugin runner, sandbox inspector, logger).
public struct Multus: Sendable {
    public var config: MultusConfig
    public var env: CNIEnvironment
    public var runner: NetworkRunner
    public var inspector: any SandboxInspecting
    public var logger: Logger
    public var attachmentCache: AttachmentCache

    public init(config: MultusConfig, env: CNIEnvironment, runner: NetworkRunner,
                inspector: any SandboxInspecting, logger: Logger) {
        self.config = config
        self.env = env
        self.runner = runner
        self.inspector = inspector
        self.logger = logger
        attachmentCache = AttachmentCache(cniDir: config.cniDir)
    }

    /// The real parts: plugins from binDir then CNI_PATH, caches under cniDir.
    public init(config: MultusConfig, env: CNIEnvironment, processEnvironment: [String],
                inspector: any SandboxInspecting, logger: Logger) {
        let locator = PluginLocator(directories: [config.binDir] + env.path)
        let invoker = PluginInvoker(locator: locator, baseEnvironment: processEnvironment)
        self.init(config: config, env: env, runner: NetworkRunner(invoker: invoker, cache: ResultCache(cacheDir: config.cniDir)),
                  inspector: inspector, logger: logger)
    }

    var planner: Planner { Planner(config: config) }

    /// `namespace/name/uid`, or the container ID outside Kubernetes: the prefix of
    /// every error, so a message in kubelet's log says which pod it is about.
    var podRef: String {
        guard let ns = env.args["K8S_POD_NAMESPACE"], let name = env.args["K8S_POD_NAME"] else { return env.containerID }
        return "\(ns)/\(name)/\(env.args["K8S_POD_UID"] ?? "")"
    }

    func context(_ network: String) -> String { "[\(podRef):\(network)]" }

    /// The result for the runtime, in the cniVersion of the configuration it gave us.
    func resultForRuntime(_ result: JSONValue, of net: NetworkConfigList) throws(CNIError) -> JSONValue {
        try CNIResult.convert(result, from: net.cniVersion, to: config.cniVersion)
    }

    /// ADD, STATUS and GC wait for the default network's readiness file; DEL does not.
    func waitForReadiness() throws(CNIError) {
        guard let file = config.readinessIndicatorFile else { return }
        try ReadinessIndicator(path: file).waitUntilReady()
    }
}
