import SystemSupport
import CNISpec
import Foundation
import Testing
@testable import MultusInstall

@Suite("install/ manifests")
struct ManifestTests {
    static let kinds: Set<String> = ["DaemonSet", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap",
                                     "CustomResourceDefinition", "NetworkAttachmentDefinition"]

    var files: [String] {
        ["install", "install/examples"].flatMap { dir in
            FileSystem.list(packageRoot + "/" + dir).filter { $0.hasSuffix(".yml") }.map { packageRoot + "/\(dir)/\($0)" }
        }
    }

    func documents() throws -> [(file: String, doc: JSONValue)] {
        try loadYAML(files).flatMap { entry in
            (entry["docs"]?.arrayValue ?? []).map { (entry["file"]?.stringValue ?? "?", $0) }
        }
    }

    @Test("every install/*.yml and install/examples/*.yml parses; each document has apiVersion, kind, metadata.name of a known kind")
    func everyManifestParses() throws {
        #expect(files.count >= 9)
        let docs = try documents()
        #expect(Set(docs.map(\.file)) == Set(files), "every file has at least one document")
        for (file, doc) in docs {
            #expect(doc["apiVersion"]?.stringValue?.isEmpty == false, "\(file): apiVersion")
            #expect(doc["metadata"]?["name"]?.stringValue?.isEmpty == false, "\(file): metadata.name")
            let kind = doc["kind"]?.stringValue ?? ""
            #expect(Self.kinds.contains(kind), "\(file): kind \(kind)")
        }
        let kinds = Set(docs.compactMap { $0.doc["kind"]?.stringValue })
        #expect(kinds == Self.kinds, "each kind appears")
    }

    @Test("every NetworkAttachmentDefinition carries a valid CNI config named like the NAD")
    func nadConfigsAreValid() throws {
        let nads = try documents().filter { $0.doc["kind"] == "NetworkAttachmentDefinition" }
        #expect(nads.count >= 6)
        for (file, nad) in nads {
            #expect(nad["apiVersion"] == "k8s.cni.cncf.io/v1", "\(file)")
            let text = try #require(nad["spec"]?["config"]?.stringValue, "\(file): spec.config")
            let config = try NetworkConfigList(json: try JSONValue(parsing: text))
            #expect(config.name == nad["metadata"]?["name"]?.stringValue, "\(file)")
        }
        let sriov = try #require(nads.first { $0.doc["metadata"]?["name"] == "sriov-net" }?.doc)
        #expect(sriov["metadata"]?["annotations"]?["k8s.v1.cni.cncf.io/resourceName"] == "intel.com/sriov_netdevice")
    }

    /// Go Multus's objects in deployments/multus-daemonset.yml and
    /// multus-daemonset-thick.yml (master 95a0932): kind, namespace/name and
    /// labels. Ours must be the same objects, so that applying ours over a Go
    /// install updates them instead of adding others.
    static let goSharedObjects: [(kind: String, name: String, labels: JSONValue?)] = [
        ("CustomResourceDefinition", "network-attachment-definitions.k8s.cni.cncf.io", nil),
        ("ClusterRole", "multus", nil),
        ("ClusterRoleBinding", "multus", nil),
        ("ServiceAccount", "kube-system/multus", nil),
        ("DaemonSet", "kube-system/kube-multus-ds", ["tier": "node", "app": "multus", "name": "multus"]),
    ]
    static let goFlavours: [(daemonSet: String, configMap: String)] = [
        ("multus-daemonset-thin.yml", "kube-system/multus-cni-config"),
        ("multus-daemonset-thick.yml", "kube-system/multus-daemon-config"),
    ]

    /// The documents one install applies: install/*.yml but the other flavour's DaemonSet file.
    func install(_ daemonSetFile: String) throws -> [JSONValue] {
        let others = Self.goFlavours.map(\.daemonSet).filter { $0 != daemonSetFile }
        return try documents().filter { entry in
            entry.file.hasPrefix(packageRoot + "/install/") && !entry.file.contains("/examples/")
                && !others.contains { entry.file.hasSuffix("/" + $0) }
        }.map(\.doc)
    }

    @Test("Go's objects, names and labels, thin and thick: applying ours over a Go install rolls it", arguments: goFlavours.map(\.daemonSet))
    func goObjectNamesAndLabels(daemonSetFile: String) throws {
        let docs = try install(daemonSetFile)
        func key(_ doc: JSONValue) -> String {
            let name = doc["metadata"]?["name"]?.stringValue ?? ""
            return doc["metadata"]?["namespace"]?.stringValue.map { "\($0)/\(name)" } ?? name
        }
        let configMap = try #require(Self.goFlavours.first { $0.daemonSet == daemonSetFile }?.configMap)
        for object in Self.goSharedObjects + [("ConfigMap", configMap, ["tier": "node", "app": "multus"])] {
            let ours = docs.filter { $0["kind"]?.stringValue == object.kind && key($0) == object.name }
            #expect(ours.count == 1, "\(daemonSetFile): \(object.kind) \(object.name)")
            if let labels = object.labels { #expect(ours.first?["metadata"]?["labels"] == labels, "\(object.name)") }
        }
        #expect(docs.filter { $0["kind"] == "DaemonSet" }.count == 1, "\(daemonSetFile): no second DaemonSet")
    }

    @Test("the DaemonSet is Go's thin one: the same selector, pod labels, entry paths, args, mounts; our image")
    func daemonSetShape() throws {
        let ds = try #require(try install("multus-daemonset-thin.yml").first { $0["kind"] == "DaemonSet" })
        #expect(ds["spec"]?["selector"] == ["matchLabels": ["name": "multus"]])
        #expect(ds["spec"]?["template"]?["metadata"]?["labels"] == ["tier": "node", "app": "multus", "name": "multus"])
        let pod = try #require(ds["spec"]?["template"]?["spec"])
        #expect(pod["hostNetwork"] == true)
        #expect(pod["serviceAccountName"] == "multus")
        #expect(pod["tolerations"]?.arrayValue?.isEmpty == false)
        let paths = pod["volumes"]?.arrayValue?.compactMap { $0["hostPath"]?["path"]?.stringValue } ?? []
        #expect(Set(paths) == ["/opt/cni/bin", "/etc/cni/net.d"])
        #expect(pod["volumes"]?.arrayValue?.contains { $0["configMap"]?["name"] == "multus-cni-config" } == true)

        let container = try #require(pod["containers"]?.arrayValue?.first)
        #expect(container["name"] == "kube-multus")
        #expect(container["image"] == "ghcr.io/multus-swift/multus-swift:latest")
        #expect(container["command"] == .array(GoThinDaemonSet.command.map { .string($0) }))
        #expect(container["args"] == .array(GoThinDaemonSet.args.map { .string($0) }))
        let mounts = container["volumeMounts"]?.arrayValue?.compactMap { $0["mountPath"]?.stringValue } ?? []
        #expect(mounts == ["/host/etc/cni/net.d", "/host/opt/cni/bin", "/tmp/multus-conf"])

        let initContainer = try #require(pod["initContainers"]?.arrayValue?.first)
        #expect(initContainer["name"] == "install-multus-binary")
        #expect(initContainer["image"] == container["image"])
        #expect(initContainer["command"] == .array(GoThinDaemonSet.installCommand.map { .string($0) }))
        #expect(initContainer["args"] == .array(GoThinDaemonSet.installArgs.map { .string($0) }))
    }

    @Test("the Containerfile lays the image out with install/image-layout.sh and starts /thin_entrypoint, as Go's")
    func containerfileEntrypoint() throws {
        let text = String(decoding: try #require(try FileSystem.read(packageRoot + "/install/Containerfile")), as: UTF8.self)
        #expect(text.contains(#"ENTRYPOINT ["/thin_entrypoint"]"#))
        #expect(text.contains("install/image-layout.sh .build/image-root"))
        let layout = String(decoding: try #require(try FileSystem.read(packageRoot + "/install/image-layout.sh")), as: UTF8.self)
        for path in ["/thin_entrypoint", "/install_multus", "/usr/src/multus-cni/bin/multus ", "/usr/src/multus-cni/bin/passthru",
                     "/usr/src/multus-cni/bin/multus-shim", "/usr/src/multus-cni/bin/multus-daemon"] {
            #expect(layout.contains(path), "\(path)")
        }
    }

    @Test("the ClusterRole grants what the plugin uses")
    func clusterRoleRules() throws {
        let role = try #require(try documents().first { $0.doc["kind"] == "ClusterRole" }?.doc)
        var grants: Set<String> = []
        for rule in role["rules"]?.arrayValue ?? [] {
            for resource in rule["resources"]?.arrayValue ?? [] {
                for verb in rule["verbs"]?.arrayValue ?? [] {
                    grants.insert("\(resource.stringValue ?? "")/\(verb.stringValue ?? "")")
                }
            }
        }
        // What multus-swift uses, and all that Go's ClusterRole grants (so a rollback needs no RBAC change).
        let needed: Set<String> = ["pods/get", "pods/status/get", "pods/status/patch", "pods/status/update",
                                   "*/*", "resourceclaims/get", "resourceclaims/status/patch", "resourceslices/list",
                                   "events/create", "events/patch"]
        let go: Set<String> = ["*/*", "pods/get", "pods/list", "pods/update", "pods/watch", "pods/status/get",
                               "pods/status/list", "pods/status/update", "pods/status/watch", "resourceclaims/get",
                               "resourceclaims/list", "resourceclaims/status/get", "resourceclaims/status/list",
                               "resourceslices/get", "resourceslices/list", "events/create", "events/patch", "events/update"]
        #expect(go.isSubset(of: grants), "missing Go's: \(go.subtracting(grants))")
        #expect(needed.isSubset(of: grants), "missing: \(needed.subtracting(grants))")
    }
}
