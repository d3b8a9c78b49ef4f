import CNISpec
import MultusLogging

/// The multus NetConf the runtime passes on stdin, with Multus's defaults.
package struct MultusConfig: Sendable {
    package var name: String
    package var cniVersion: CNIVersion
    package var confDir: String
    package var cniDir: String
    package var binDir: String
    /// Inline delegate confs or conflists; the first is the master.
    package var delegates: [JSONValue]
    package var clusterNetwork: String?
    package var defaultNetworks: [String]
    package var kubeconfig: String?
    /// A folder of Pod/NAD/ResourceClaim/ResourceSlice manifests that stands in
    /// for the API server (local runs, demos); `kubeconfig` wins when both are set.
    package var manifestDir: String?
    package var log: LogSettings
    package var readinessIndicatorFile: String?
    package var namespaceIsolation: Bool
    package var globalNamespaces: [String]
    package var systemNamespaces: [String]
    package var multusNamespace: String
    package var retryDeleteOnError: Bool
    package var auxiliaryCNIChainName: String?
    /// The capability values the runtime injected for us (portMappings, …).
    package var runtimeConfig: JSONObject
    /// Where kubelet keeps the pod-resources socket and its device-plugin and
    /// DRA checkpoints.
    package var kubeletRootDir: String
    /// The device-info folder (`dp/` from device plugins, `cni/` ours).
    package var deviceInfoDir: String
    /// The most networks one pod may ask for, cluster network and
    /// defaultNetworks included: a pod naming 10 000 would otherwise run for
    /// minutes and create thousands of interfaces.
    package var maxNetworksPerPod: Int
    /// How long one delegate plugin may run before it is killed with its
    /// process group.
    package var pluginTimeout: Duration
    /// GC's `cni.dev/valid-attachments`.
    package var validAttachments: [JSONValue]?
    package var source: JSONValue

    package static let defaultConfDir = "/etc/cni/multus/net.d"
    package static let defaultCNIDir = "/var/lib/cni/multus"
    package static let defaultBinDir = "/opt/cni/bin"
    package static let defaultKubeletRootDir = "/var/lib/kubelet"
    package static let defaultDeviceInfoDir = "/var/run/k8s.cni.cncf.io/devinfo"
    package static let defaultMaxNetworksPerPod = 64
    package static let defaultPluginTimeoutSeconds = 60

    package init(parsing bytes: [UInt8]) throws(CNIError) {
        let json: JSONValue
        do { json = try JSONValue(parsing: bytes) } catch {
            throw .decoding("error parsing multus configuration: \(error)")
        }
        try self.init(json: json)
    }

    package init(json: JSONValue) throws(CNIError) {
        guard case .object(let o) = json else {
            throw .decoding("multus configuration must be a JSON object, not \(json.kindName)")
        }
        source = json
        let f = JSONFields(o)
        name = try f.string("name") ?? "multus-cni-network"
        cniVersion = try CNIVersion.parseSupported(try f.string("cniVersion") ?? CNIVersion.v1_0_0.description)
        confDir = try f.string("confDir") ?? Self.defaultConfDir
        cniDir = try f.string("cniDir") ?? Self.defaultCNIDir
        binDir = try f.string("binDir") ?? Self.defaultBinDir
        delegates = try f.array("delegates") ?? []
        clusterNetwork = try f.nonEmptyString("clusterNetwork")
        defaultNetworks = try f.strings("defaultNetworks") ?? []
        kubeconfig = try f.nonEmptyString("kubeconfig")
        manifestDir = try f.nonEmptyString("manifestDir")
        log = try LogSettings(config: json)
        readinessIndicatorFile = try f.nonEmptyString("readinessindicatorfile")
        namespaceIsolation = try f.bool("namespaceIsolation") ?? false
        multusNamespace = try f.nonEmptyString("multusNamespace") ?? "kube-system"
        globalNamespaces = (try f.string("globalNamespaces") ?? "default")
            .split(separator: ",").map { String($0).trimmingSpace }.filter { !$0.isEmpty }
        systemNamespaces = try f.strings("systemNamespaces") ?? ["kube-system"]
        retryDeleteOnError = try f.bool("retryDeleteOnError") ?? false
        auxiliaryCNIChainName = try f.nonEmptyString("auxiliaryCNIChainName")
        runtimeConfig = try f.objectValue("runtimeConfig") ?? JSONObject()
        validAttachments = try f.array("cni.dev/valid-attachments")
        kubeletRootDir = try f.nonEmptyString("kubeletRootDir") ?? Self.defaultKubeletRootDir
        deviceInfoDir = try f.nonEmptyString("deviceInfoDir") ?? Self.defaultDeviceInfoDir
        maxNetworksPerPod = try f.int("maxNetworksPerPod") ?? Self.defaultMaxNetworksPerPod
        let timeout = try f.int("pluginTimeoutSeconds") ?? Self.defaultPluginTimeoutSeconds
        pluginTimeout = .seconds(timeout)

        guard maxNetworksPerPod > 0 else {
            throw .invalidConfig("\"maxNetworksPerPod\" must be at least 1, not \(maxNetworksPerPod)")
        }
        guard timeout > 0 else { throw .invalidConfig("\"pluginTimeoutSeconds\" must be at least 1, not \(timeout)") }
        for (i, delegate) in delegates.enumerated() where delegate.objectValue == nil {
            throw .invalidConfig("delegates[\(i)] must be an object, not \(delegate.kindName)")
        }
        if delegates.isEmpty && clusterNetwork == nil {
            throw .invalidConfig("multus configuration \"\(name)\" needs \"delegates\" or \"clusterNetwork\"")
        }
    }
}
