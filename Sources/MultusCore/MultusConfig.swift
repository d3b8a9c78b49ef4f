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
    /// GC's `cni.dev/valid-attachments`.
    package var validAttachments: [JSONValue]?
    package var source: JSONValue

    package static let defaultConfDir = "/etc/cni/multus/net.d"
    package static let defaultCNIDir = "/var/lib/cni/multus"
    package static let defaultBinDir = "/opt/cni/bin"
    package static let defaultKubeletRootDir = "/var/lib/kubelet"
    package static let defaultDeviceInfoDir = "/var/run/k8s.cni.cncf.io/devinfo"

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
        let f = FieldReader(object: o)
        name = try f.string("name") ?? "multus-cni-network"
        cniVersion = try CNIVersion.parseSupported(try f.string("cniVersion") ?? CNIVersion.v1_0_0.description)
        confDir = try f.string("confDir") ?? Self.defaultConfDir
        cniDir = try f.string("cniDir") ?? Self.defaultCNIDir
        binDir = try f.string("binDir") ?? Self.defaultBinDir
        delegates = try f.array("delegates") ?? []
        clusterNetwork = try f.string("clusterNetwork").flatMap { $0.isEmpty ? nil : $0 }
        defaultNetworks = try f.stringArray("defaultNetworks") ?? []
        kubeconfig = try f.string("kubeconfig").flatMap { $0.isEmpty ? nil : $0 }
        manifestDir = try f.string("manifestDir").flatMap { $0.isEmpty ? nil : $0 }
        log = try LogSettings(config: json)
        readinessIndicatorFile = try f.string("readinessindicatorfile").flatMap { $0.isEmpty ? nil : $0 }
        namespaceIsolation = try f.bool("namespaceIsolation") ?? false
        multusNamespace = try f.string("multusNamespace") ?? "kube-system"
        globalNamespaces = (try f.string("globalNamespaces") ?? "default")
            .split(separator: ",").map { String($0).trimmingSpace }.filter { !$0.isEmpty }
        systemNamespaces = try f.stringArray("systemNamespaces") ?? ["kube-system"]
        retryDeleteOnError = try f.bool("retryDeleteOnError") ?? false
        auxiliaryCNIChainName = try f.string("auxiliaryCNIChainName").flatMap { $0.isEmpty ? nil : $0 }
        runtimeConfig = try f.object("runtimeConfig") ?? JSONObject()
        validAttachments = try f.array("cni.dev/valid-attachments")
        kubeletRootDir = try f.string("kubeletRootDir").flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultKubeletRootDir
        deviceInfoDir = try f.string("deviceInfoDir").flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultDeviceInfoDir

        for (i, delegate) in delegates.enumerated() where delegate.objectValue == nil {
            throw .invalidConfig("delegates[\(i)] must be an object, not \(delegate.kindName)")
        }
        if delegates.isEmpty && clusterNetwork == nil {
            throw .invalidConfig("multus configuration \"\(name)\" needs \"delegates\" or \"clusterNetwork\"")
        }
    }
}

/// Typed reads of optional fields; a wrong type is code 7 naming the field.
struct FieldReader {
    var object: JSONObject

    private func value(_ key: String) -> JSONValue? {
        guard let v = object[key], !v.isNull else { return nil }
        return v
    }

    private func mismatch(_ key: String, _ expected: String, _ got: JSONValue) -> CNIError {
        .invalidConfig("\"\(key)\" must be \(expected), not \(got.kindName) (\(got.serialized))")
    }

    func string(_ key: String) throws(CNIError) -> String? {
        guard let v = value(key) else { return nil }
        guard let s = v.stringValue else { throw mismatch(key, "a string", v) }
        return s
    }

    func bool(_ key: String) throws(CNIError) -> Bool? {
        guard let v = value(key) else { return nil }
        guard let b = v.boolValue else { throw mismatch(key, "a boolean", v) }
        return b
    }

    func array(_ key: String) throws(CNIError) -> [JSONValue]? {
        guard let v = value(key) else { return nil }
        guard let a = v.arrayValue else { throw mismatch(key, "an array", v) }
        return a
    }

    func object(_ key: String) throws(CNIError) -> JSONObject? {
        guard let v = value(key) else { return nil }
        guard let o = v.objectValue else { throw mismatch(key, "an object", v) }
        return o
    }

    func stringArray(_ key: String) throws(CNIError) -> [String]? {
        guard let list = try array(key) else { return nil }
        var out: [String] = []
        for (i, element) in list.enumerated() {
            guard let s = element.stringValue else { throw mismatch("\(key)[\(i)]", "a string", element) }
            out.append(s)
        }
        return out
    }
}
