import CNISpec
import KubeAPI

/// Where a network comes from, before anything is read.
package enum NetworkReference: Sendable, Equatable {
    /// `delegates[index]` of the multus config.
    case inline(JSONValue, index: Int)
    /// A `clusterNetwork` or `defaultNetworks` value: a path, or a name (the
    /// NAD `<multusNamespace>/<name>`, else the confDir network of that name).
    case configured(String, field: String)
    /// A NetworkAttachmentDefinition: the pod's `default-network` override.
    case nad(ObjectKey)
}

/// Which networks a pod asks for, in Multus's order: the master (the pod's
/// default-network override, clusterNetwork, or the `delegates`), then
/// defaultNetworks (not in system namespaces), then the annotation's
/// networks. Pure: it reads the configuration and the pod, nothing else.
package struct NetworkRequest: Sendable, Equatable {
    package var master: NetworkReference
    /// More inline delegates after the first (without clusterNetwork, every one of them is attached).
    package var inlineExtras: [NetworkReference]
    package var defaults: [NetworkReference]
    package var selections: [NetworkSelection]

    package var count: Int { 1 + inlineExtras.count + defaults.count + selections.count }

    package init(master: NetworkReference, inlineExtras: [NetworkReference] = [], defaults: [NetworkReference] = [],
                 selections: [NetworkSelection] = []) {
        self.master = master
        self.inlineExtras = inlineExtras
        self.defaults = defaults
        self.selections = selections
    }

    /// The configured networks only (STATUS and GC, which have no pod).
    /// defaultNetworks come with clusterNetwork only, as in Go Multus (with
    /// `delegates`, every inline delegate is attached instead).
    package init(config: MultusConfig) {
        if let clusterNetwork = config.clusterNetwork {
            self.init(master: .configured(clusterNetwork, field: "clusterNetwork"),
                      defaults: config.defaultNetworks.enumerated().map {
                          .configured($0.element, field: "defaultNetworks[\($0.offset)]")
                      })
        } else {
            let inline = config.delegates.enumerated().map { NetworkReference.inline($0.element, index: $0.offset) }
            self.init(master: inline[0], inlineExtras: Array(inline.dropFirst()))
        }
    }

    /// What `pod` asks for under `config`. The count is checked against
    /// `maxNetworksPerPod` before anything is fetched.
    package init(config: MultusConfig, podNamespace: String?, pod: Pod?) throws(CNIError) {
        self.init(config: config)
        if let override = pod?.annotations[WellKnownAnnotation.defaultNetwork], !override.trimmingSpace.isEmpty {
            let parsed = try NetworkSelection.parse(override, defaultNamespace: config.multusNamespace)
            guard parsed.count == 1, let only = parsed.first else {
                throw .invalidConfig("\(WellKnownAnnotation.defaultNetwork) must name exactly one network, not \(parsed.count)")
            }
            master = .nad(only.key)
        }
        if let podNamespace, config.systemNamespaces.contains(podNamespace) { defaults = [] }
        if let pod, let annotation = pod.annotations[WellKnownAnnotation.networks], !annotation.trimmingSpace.isEmpty {
            selections = try NetworkSelection.parse(annotation, defaultNamespace: pod.metadata.namespace)
            for selection in selections { try Self.checkIsolation(selection, podNamespace: pod.metadata.namespace, config) }
        }
        let auxiliary = config.auxiliaryCNIChainName == nil ? 0 : 1
        guard count + auxiliary <= config.maxNetworksPerPod else {
            throw .invalidConfig("the pod asks for \(count + auxiliary) networks, more than maxNetworksPerPod (\(config.maxNetworksPerPod))")
        }
    }

    static func checkIsolation(_ selection: NetworkSelection, podNamespace: String, _ config: MultusConfig) throws(CNIError) {
        guard config.namespaceIsolation, selection.namespace != podNamespace,
              !config.globalNamespaces.contains(selection.namespace) else { return }
        throw .invalidConfig("namespace isolation violation: pod in namespace \"\(podNamespace)\" may not use network \(selection.key) from namespace \"\(selection.namespace)\"")
    }
}
