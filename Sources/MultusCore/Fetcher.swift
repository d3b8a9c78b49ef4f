import CNISpec
import DRAClaimReader
import KubeAPI
import Logging
import SystemSupport

/// The I/O half of planning: reads the pod, its NetworkAttachmentDefinitions
/// (one batch), confDir files and the device allocations into one PlanInputs
/// value, which the Planner turns into attachments without reading anything.
struct Fetcher {
    let invocation: Invocation
    var config: MultusConfig { invocation.config }

    enum PodLookup: Equatable {
        /// No cluster configured, or no K8S_POD_* arguments.
        case notInKubernetes
        case notFound(ObjectKey)
        case found(Pod)
    }

    /// The pod of the call. A different UID means the name now belongs to
    /// another pod: an error on ADD, "no pod" on DEL (its caches decide).
    /// Static pods are exempt: their API object is a mirror with its own UID.
    func lookupPod(forDelete: Bool) throws(CNIError) -> PodLookup {
        guard let cluster = invocation.cluster, let key = invocation.podKey else { return .notInKubernetes }
        let pod: Pod?
        do { pod = try cluster.pod(key) } catch {
            throw error.cniError(context: "\(invocation.context("pod")): reading pod \(key)")
        }
        guard let pod else { return .notFound(key) }
        if let expected = invocation.env.args["K8S_POD_UID"], !expected.isEmpty, pod.metadata.uid != expected,
           (pod.annotations["kubernetes.io/config.source"] ?? "api") == "api" {
            let message = "expected pod UID \"\(expected)\" but got \"\(pod.metadata.uid)\" from Kube API"
            if forDelete {
                invocation.logger.info("\(invocation.context("pod")): \(message); deleting from the caches only")
                return .notFound(key)
            }
            throw CNIError(code: CNIError.multusInternal, msg: "\(invocation.context("pod")): \(message)")
        }
        return .found(pod)
    }

    static let noNetworkFound = "cannot find a network-attachment-definition"

    func inputs(for request: NetworkRequest, pod: Pod?) throws(CNIError) -> PlanInputs {
        let nads = fetchNADs(for: request)
        let master = try source(request.master, nads, pod: pod)
        var inputs = PlanInputs(request: request, pod: pod, master: master)
        for reference in request.inlineExtras { inputs.inlineExtras.append(try source(reference, nads, pod: pod)) }
        for reference in request.defaults { inputs.defaults.append(try source(reference, nads, pod: pod)) }
        for selection in request.selections { inputs.selected.append(try source(.nad(selection.key), nads, pod: pod)) }
        let resources = Set(([inputs.master] + inputs.inlineExtras + inputs.defaults + inputs.selected).compactMap(\.resourceName))
        if let pod, !resources.isEmpty {
            inputs.devices = deviceAllocations(of: pod, resources: resources)
        }
        inputs.auxiliaryPlugins = try auxiliaryPlugins()
        return inputs
    }

    /// Every NetworkAttachmentDefinition the request may need, in one batch:
    /// the annotation's, the default-network override, and configured names
    /// (`<multusNamespace>/<name>`).
    private func fetchNADs(for request: NetworkRequest) -> [ObjectKey: Result<NetworkAttachmentDefinition?, KubeError>] {
        guard let cluster = invocation.cluster else { return [:] }
        var keys: [ObjectKey] = []
        for reference in [request.master] + request.defaults {
            switch reference {
            case .nad(let key): keys.append(key)
            case .configured(let value, _) where !value.contains("/"):
                keys.append(ObjectKey(namespace: config.multusNamespace, name: value))
            default: break
            }
        }
        for selection in request.selections where !keys.contains(selection.key) { keys.append(selection.key) }
        guard !keys.isEmpty else { return [:] }
        return Dictionary(zip(keys, cluster.networkAttachmentDefinitions(keys)), uniquingKeysWith: { first, _ in first })
    }

    private func source(_ reference: NetworkReference, _ nads: [ObjectKey: Result<NetworkAttachmentDefinition?, KubeError>],
                        pod: Pod?) throws(CNIError) -> NetworkSource {
        switch reference {
        case .inline(let json, let index):
            return .inline(json, field: "delegates[\(index)]")
        case .configured(let value, let field) where value.contains("/"):
            return .file(try ConfigFiles.load(path: value, field: field), field: field)
        case .configured(let name, let field):
            let key = ObjectKey(namespace: config.multusNamespace, name: name)
            if let result = nads[key] {
                let nad: NetworkAttachmentDefinition?
                do { nad = try result.get() } catch { throw error.cniError(context: "\(field): reading NetworkAttachmentDefinition \(key)") }
                if let nad { return try nadSource(nad) }
            }
            guard let file = try ConfigFiles.find(name: name, in: config.confDir) else {
                throw .invalidConfig("\(field): no NetworkAttachmentDefinition \(key) and no network named \"\(name)\" in \(config.confDir)")
            }
            return .file(file, field: field)
        case .nad(let key):
            guard invocation.cluster != nil, let result = nads[key] else {
                throw .invalidConfig("network \(key) is a NetworkAttachmentDefinition, but no \"kubeconfig\" or \"manifestDir\" is configured")
            }
            let nad: NetworkAttachmentDefinition?
            do { nad = try result.get() } catch {
                let failure = error.cniError(context: "\(Self.noNetworkFound) (\(key.name)) in namespace (\(key.namespace))")
                warnNoNetworkFound(failure.msg, pod: pod)
                throw failure
            }
            guard let nad else {
                let message = "\(Self.noNetworkFound) (\(key.name)) in namespace (\(key.namespace))"
                warnNoNetworkFound(message, pod: pod)
                throw .invalidConfig(message)
            }
            return try nadSource(nad)
        }
    }

    /// A NAD without `spec.config` is the confDir network of its name.
    private func nadSource(_ nad: NetworkAttachmentDefinition) throws(CNIError) -> NetworkSource {
        guard nad.config.trimmingSpace.isEmpty else { return .nad(nad, confDirFile: nil) }
        return .nad(nad, confDirFile: try ConfigFiles.find(name: nad.metadata.name, in: config.confDir))
    }

    /// Go Multus's `NoNetworkFound` warning event on the pod; best effort.
    private func warnNoNetworkFound(_ message: String, pod: Pod?) {
        guard let cluster = invocation.cluster, let pod, let key = invocation.podKey else { return }
        let event = PodEvent(pod: key, podUID: pod.metadata.uid, type: "Warning", reason: "NoNetworkFound", message: message)
        if case .failure(let error) = cluster.write([.event(event)])[0] {
            invocation.logger.info("event NoNetworkFound on \(key) not posted: \(error)")
        }
    }

    /// The device IDs allocated to the pod, from the first source that answers
    /// (pod-resources, the checkpoints, DRA claims).
    private func deviceAllocations(of pod: Pod, resources: Set<String>) -> DeviceAllocations {
        let builder = ResourceMapBuilder(kubeletRootDir: config.kubeletRootDir, cluster: invocation.cluster)
        let context = invocation.context("devices")
        let report: ResourceMapBuilder.Report
        do { report = try builder.build(for: pod, resources: resources) } catch {
            return .unavailable(error.cniError(context: context).msg)
        }
        for note in report.notes { invocation.logger.info("\(context): \(note)") }
        invocation.logger.debug("\(context): resource map \(report.map) (device plugins: \(report.devicePluginSource); claims: \(report.claimSources.map { "\($0.claim) from \($0.source.rawValue)" }); \(report.claimReads) claim reads, \(report.sliceLists) slice lists)")
        if report.devicePluginSource == "none" && report.claimSources.isEmpty {
            return .unavailable("no device source answered: no kubelet pod-resources socket \(builder.podResourcesSocket), no device-plugin checkpoint under \(config.kubeletRootDir), and the pod has no resource claims")
        }
        return .allocated(report.map)
    }

    /// Go Multus's auxiliary chain: `passthru` followed by the plugins of the
    /// clusterNetwork folder's subdirectory named after the chain. Problems
    /// reading that folder are logged and leave the chain out, as in Go; a
    /// clusterNetwork that is not a path is an error, as in Go.
    private func auxiliaryPlugins() throws(CNIError) -> [JSONValue]? {
        guard let chain = config.auxiliaryCNIChainName else { return nil }
        guard let clusterNetwork = config.clusterNetwork, clusterNetwork.contains("/") else {
            throw .invalidConfig("auxiliary chain used but ClusterNetwork must be a path, and it is not a path: \(config.clusterNetwork ?? "")")
        }
        do { return try ConfigFiles.chainedPlugins(of: chain, in: Paths.directory(of: clusterNetwork)) } catch {
            invocation.logger.error("auxiliary CNI chain \(chain): \(error.msg); not attached")
            return []
        }
    }
}

extension NetworkSource {
    /// The device resource the NAD names.
    var resourceName: String? {
        if case .nad(let nad, _) = self { return nad.resourceName }
        return nil
    }
}
