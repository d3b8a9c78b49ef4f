import CNISpec
import KubeAPI

/// A network the pod gets, before interface names and arguments are assigned.
public struct PlannedNetwork: Sendable, Equatable {
    public var delegate: Delegate
    /// The annotation element that asked for it; nil for the master and defaultNetworks.
    public var selection: NetworkSelection?
    /// The NAD's `k8s.v1.cni.cncf.io/resourceName`, when it names one.
    public var resourceName: String?
    /// The device of that resource allocated to the pod (set by `assignDevices`).
    public var deviceID: String?

    public init(delegate: Delegate, selection: NetworkSelection? = nil, resourceName: String? = nil, deviceID: String? = nil) {
        self.delegate = delegate
        self.selection = selection
        self.resourceName = resourceName
        self.deviceID = deviceID
    }
}

/// Finds every network of a pod, in Multus's order: the master (the pod's
/// default-network override, clusterNetwork, or the `delegates`), then
/// defaultNetworks, then the pod's annotation. NADs are fetched concurrently.
struct NetworkResolver: Sendable {
    var config: MultusConfig
    var confDir: DelegateResolver
    var cluster: (any ClusterState)?

    init(config: MultusConfig, cluster: (any ClusterState)?) {
        self.config = config
        confDir = DelegateResolver(confDir: config.confDir)
        self.cluster = cluster
    }

    static let defaultNetworkAnnotation = "v1.multus-cni.io/default-network"
    /// The start of the error (and NoNetworkFound event) for a missing NAD, as Multus words it.
    static let noNetworkFound = "cannot find a network-attachment-definition"

    /// A reference to fetch: a NAD by key, or a configured value (path or name).
    private enum Reference: Sendable {
        case nad(ObjectKey, NetworkSelection?)
        case configured(String, field: String)
        case inline(Delegate)
    }

    func networks(podNamespace: String?, pod: Pod?) async throws(CNIError) -> [PlannedNetwork] {
        var references: [Reference] = []
        if let override = pod?.annotations[Self.defaultNetworkAnnotation], !override.trimmingSpace.isEmpty {
            let parsed = try NetworkSelection.parse(override, defaultNamespace: config.multusNamespace)
            guard parsed.count == 1, let only = parsed.first else {
                throw .invalidConfig("\(Self.defaultNetworkAnnotation) must name exactly one network, not \(parsed.count)")
            }
            references.append(.nad(ObjectKey(namespace: only.namespace, name: only.name), nil))
        } else if let clusterNetwork = config.clusterNetwork {
            references.append(.configured(clusterNetwork, field: "clusterNetwork"))
        } else {
            for (i, json) in config.delegates.enumerated() {
                do { references.append(.inline(Delegate(network: try NetworkConfigList(json: json)))) } catch {
                    throw error.prefixed("delegates[\(i)]")
                }
            }
        }
        if !(podNamespace.map(config.systemNamespaces.contains) ?? false) {
            for (i, name) in config.defaultNetworks.enumerated() {
                references.append(.configured(name, field: "defaultNetworks[\(i)]"))
            }
        }
        if let pod, let annotation = pod.annotations[NetworkSelection.annotation], !annotation.trimmingSpace.isEmpty {
            for selection in try NetworkSelection.parse(annotation, defaultNamespace: pod.metadata.namespace) {
                try checkIsolation(selection, podNamespace: pod.metadata.namespace)
                references.append(.nad(ObjectKey(namespace: selection.namespace, name: selection.name), selection))
            }
        }
        return try await resolveConcurrently(references)
    }

    func checkIsolation(_ selection: NetworkSelection, podNamespace: String) throws(CNIError) {
        guard config.namespaceIsolation, selection.namespace != podNamespace,
              !config.globalNamespaces.contains(selection.namespace) else { return }
        throw .invalidConfig("namespace isolation violation: pod in namespace \"\(podNamespace)\" may not use network \(selection.key) from namespace \"\(selection.namespace)\"")
    }

    private func resolveConcurrently(_ references: [Reference]) async throws(CNIError) -> [PlannedNetwork] {
        let outcomes = await withTaskGroup(of: (Int, Result<PlannedNetwork, CNIError>).self) { group in
            for (index, reference) in references.enumerated() {
                group.addTask { (index, await self.resolve(reference)) }
            }
            var outcomes = [Result<PlannedNetwork, CNIError>?](repeating: nil, count: references.count)
            for await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes
        }
        // The first failure in plan order is the one reported.
        return try outcomes.map { outcome throws(CNIError) in try outcome!.get() }
    }

    private func resolve(_ reference: Reference) async -> Result<PlannedNetwork, CNIError> {
        do {
            switch reference {
            case .inline(let delegate):
                return .success(PlannedNetwork(delegate: delegate))
            case .nad(let key, let selection):
                let (resolved, resourceName) = try await nadDelegate(key)
                var delegate = resolved
                if let args = selection?.cniArgs { delegate.network = try delegate.network.withCNIArgs(args) }
                return .success(PlannedNetwork(delegate: delegate, selection: selection, resourceName: resourceName))
            case .configured(let value, let field):
                let (delegate, resourceName) = try await configured(value, field: field)
                return .success(PlannedNetwork(delegate: delegate, resourceName: resourceName))
            }
        } catch {
            return .failure(error)
        }
    }

    /// A path is read from disk; a name is the NAD `<multusNamespace>/<name>`
    /// when the cluster has it, else the confDir network of that name. The NAD's
    /// resourceName comes along.
    func configured(_ value: String, field: String) async throws(CNIError) -> (Delegate, resourceName: String?) {
        if value.hasPrefix("/") { return (try confDir.resolvePath(value, field: field), nil) }
        if let cluster {
            let key = ObjectKey(namespace: config.multusNamespace, name: value)
            let nad: NetworkAttachmentDefinition?
            do { nad = try await cluster.networkAttachmentDefinition(key) } catch { throw error.asCNIError(context: "\(field): reading NetworkAttachmentDefinition \(key)") }
            if let nad { return (try Delegate.fromNAD(nad, confDir: confDir), nad.resourceName) }
        }
        return (try confDir.resolve(value, field: field), nil)
    }

    func nadDelegate(_ key: ObjectKey) async throws(CNIError) -> (Delegate, resourceName: String?) {
        guard let cluster else {
            throw .invalidConfig("network \(key) is a NetworkAttachmentDefinition, but no \"kubeconfig\" or \"manifestDir\" is configured")
        }
        let nad: NetworkAttachmentDefinition?
        do { nad = try await cluster.networkAttachmentDefinition(key) } catch {
            throw error.asCNIError(context: "reading NetworkAttachmentDefinition \(key)")
        }
        guard let nad else { throw .invalidConfig("\(Self.noNetworkFound) (\(key.name)) in namespace (\(key.namespace))") }
        return (try Delegate.fromNAD(nad, confDir: confDir), nad.resourceName)
    }
}

extension KubeError {
    /// Unreachable API servers are worth a retry (code 11); the rest are not.
    func asCNIError(context: String) -> CNIError {
        switch self {
        case .transport: CNIError(code: CNIError.tryAgainLater, msg: "\(context): \(self)")
        case .configuration: .invalidConfig("\(context): \(self)")
        case .decoding: .decoding("\(context): \(self)")
        case .status: CNIError(code: CNIError.multusInternal, msg: "\(context): \(self)")
        }
    }
}
