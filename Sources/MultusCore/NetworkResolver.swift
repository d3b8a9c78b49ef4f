import CNISpec
import KubeAPI

/// A network the pod gets, before interface names and arguments are assigned.
package struct PlannedNetwork: Sendable, Equatable {
    package var delegate: Delegate
    /// The annotation element that asked for it; nil for the master and defaultNetworks.
    package var selection: NetworkSelection?
    /// The NAD's `k8s.v1.cni.cncf.io/resourceName`, when it names one.
    package var resourceName: String?
    /// The device of that resource allocated to the pod (set by `assignDevices`).
    package var deviceID: String?

    package init(delegate: Delegate, selection: NetworkSelection? = nil, resourceName: String? = nil, deviceID: String? = nil) {
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

    func networks(podNamespace: String?, pod: Pod?) throws(CNIError) -> [PlannedNetwork] {
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
        return try resolveAll(references)
    }

    func checkIsolation(_ selection: NetworkSelection, podNamespace: String) throws(CNIError) {
        guard config.namespaceIsolation, selection.namespace != podNamespace,
              !config.globalNamespaces.contains(selection.namespace) else { return }
        throw .invalidConfig("namespace isolation violation: pod in namespace \"\(podNamespace)\" may not use network \(selection.key) from namespace \"\(selection.namespace)\"")
    }

    /// NADs are read in one batch (sent together on one connection), then each
    /// reference is resolved in plan order; the first failure in that order is reported.
    private func resolveAll(_ references: [Reference]) throws(CNIError) -> [PlannedNetwork] {
        var keys: [ObjectKey] = []
        for reference in references {
            switch reference {
            case .nad(let key, _): keys.append(key)
            case .configured(let value, _) where !value.hasPrefix("/") && cluster != nil:
                keys.append(ObjectKey(namespace: config.multusNamespace, name: value))
            default: break
            }
        }
        var fetched: [ObjectKey: Result<NetworkAttachmentDefinition?, KubeError>] = [:]
        if let cluster, !keys.isEmpty {
            for (key, result) in zip(keys, cluster.networkAttachmentDefinitions(keys)) { fetched[key] = result }
        }
        return try references.map { reference throws(CNIError) in try resolve(reference, fetched) }
    }

    private func resolve(_ reference: Reference, _ fetched: [ObjectKey: Result<NetworkAttachmentDefinition?, KubeError>])
        throws(CNIError) -> PlannedNetwork {
        switch reference {
        case .inline(let delegate):
            return PlannedNetwork(delegate: delegate)
        case .nad(let key, let selection):
            guard cluster != nil, let result = fetched[key] else {
                throw .invalidConfig("network \(key) is a NetworkAttachmentDefinition, but no \"kubeconfig\" or \"manifestDir\" is configured")
            }
            let nad: NetworkAttachmentDefinition?
            do { nad = try result.get() } catch { throw error.asCNIError(context: "reading NetworkAttachmentDefinition \(key)") }
            guard let nad else { throw .invalidConfig("\(Self.noNetworkFound) (\(key.name)) in namespace (\(key.namespace))") }
            var delegate = try Delegate.fromNAD(nad, confDir: confDir)
            if let args = selection?.cniArgs { delegate.network = try delegate.network.withCNIArgs(args) }
            return PlannedNetwork(delegate: delegate, selection: selection, resourceName: nad.resourceName)
        case .configured(let value, let field):
            if value.hasPrefix("/") { return PlannedNetwork(delegate: try confDir.resolvePath(value, field: field)) }
            let key = ObjectKey(namespace: config.multusNamespace, name: value)
            if let result = fetched[key] {
                let nad: NetworkAttachmentDefinition?
                do { nad = try result.get() } catch { throw error.asCNIError(context: "\(field): reading NetworkAttachmentDefinition \(key)") }
                if let nad { return PlannedNetwork(delegate: try Delegate.fromNAD(nad, confDir: confDir), resourceName: nad.resourceName) }
            }
            return PlannedNetwork(delegate: try confDir.resolve(value, field: field))
        }
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
