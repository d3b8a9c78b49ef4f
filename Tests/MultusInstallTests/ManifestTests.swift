import SystemSupport
import CNISpec
import Delegation
import Foundation
import Testing
@testable import MultusInstall

@Suite("install/ manifests")
struct ManifestTests {
    static let kinds: Set<String> = ["DaemonSet", "ServiceAccount", "ClusterRole", "ClusterRoleBinding",
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

    @Test("the DaemonSet runs `install` in kube-system on the host network with the two host folders")
    func daemonSetShape() throws {
        let ds = try #require(try documents().first { $0.doc["kind"] == "DaemonSet" }?.doc)
        #expect(ds["metadata"]?["namespace"] == "kube-system")
        let pod = try #require(ds["spec"]?["template"]?["spec"])
        #expect(pod["hostNetwork"] == true)
        #expect(pod["serviceAccountName"] == "multus")
        #expect(pod["initContainers"] == nil)
        #expect(pod["tolerations"]?.arrayValue?.isEmpty == false)
        let paths = pod["volumes"]?.arrayValue?.compactMap { $0["hostPath"]?["path"]?.stringValue } ?? []
        #expect(Set(paths) == ["/opt/cni/bin", "/etc/cni/net.d"])
        let container = try #require(pod["containers"]?.arrayValue?.first)
        #expect(container["image"] == "ghcr.io/multus-swift/multus-swift:latest")
        #expect(container["args"]?.arrayValue?.contains("--multus-conf-file=auto") == true)

        let containerfile = try #require(String(bytes: try FileSystem.read(packageRoot + "/install/Containerfile") ?? [], encoding: .utf8))
        #expect(containerfile.contains(#"ENTRYPOINT ["/multus-swift", "install"]"#))
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
        let needed: Set<String> = ["pods/get", "pods/status/get", "pods/status/patch", "pods/status/update",
                                   "network-attachment-definitions/get", "network-attachment-definitions/list",
                                   "resourceclaims/get", "resourceslices/list", "events/create", "events/patch"]
        #expect(needed.isSubset(of: grants), "missing: \(needed.subtracting(grants))")
    }
}
