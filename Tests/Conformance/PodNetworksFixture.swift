import CNISpec
import Foundation

/// The Kubernetes objects of the end-to-end pod scenario: a pod asking, in its
/// JSON annotation, for a macvlan NAD (custom interface, static IP and MAC) and
/// a bridge NAD from another namespace that carries the default route.
struct PodNetworksFixture {
    let sandbox: Sandbox
    let podName = "web"
    let podNamespace = "apps"
    let podUID = "uid-\(UUID().uuidString.lowercased())"
    let macvlanSubnet = Sandbox.newSubnet()
    let routedSubnet = Sandbox.newSubnet()
    let clusterNetwork: JSONValue

    init(sandbox: Sandbox) {
        self.sandbox = sandbox
        var cluster = sandbox.bridgeNetwork(name: "cluster")
        // The cluster network offers a default route; default-route must take it away.
        cluster["ipam"]?["routes"] = [["dst": "0.0.0.0/0"]]
        clusterNetwork = cluster
    }

    /// 10.a.b.0/24 → 10.a.b.<host>
    static func host(_ subnet: String, _ host: Int) -> String {
        let prefix = subnet.split(separator: "/")[0].split(separator: ".").prefix(3).joined(separator: ".")
        return "\(prefix).\(host)"
    }

    var staticIP: String { Self.host(macvlanSubnet, 42) + "/24" }
    let staticMAC = "02:42:ac:11:00:42"
    var routedGateway: String { Self.host(routedSubnet, 1) }

    var macvlanNAD: JSONValue {
        let config: JSONValue = ["cniVersion": "0.4.0", "plugins": [
            ["type": "macvlan", "master": .string(sandbox.macvlanMaster), "mode": "bridge",
             "capabilities": ["ips": true], "ipam": ["type": "static"]],
            ["type": "tuning", "capabilities": ["mac": true]],
        ]]
        return Self.nad(name: "macvlan-static", namespace: podNamespace, config: config)
    }

    var routedNAD: JSONValue {
        var bridge = sandbox.bridgeNetwork(name: "routed", subnet: routedSubnet)
        bridge["name"] = nil  // the NAD's name is used
        return Self.nad(name: "routed", namespace: "infra", config: bridge)
    }

    static func nad(name: String, namespace: String, config: JSONValue) -> JSONValue {
        ["apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
         "metadata": ["name": .string(name), "namespace": .string(namespace)],
         "spec": ["config": .string(config.serialized)]]
    }

    var networksAnnotation: String {
        JSONValue.array([
            ["name": "macvlan-static", "interface": "data0", "ips": [.string(staticIP)], "mac": .string(staticMAC)],
            ["name": "routed", "namespace": "infra", "default-route": [.string(routedGateway)]],
        ]).serialized
    }

    func pod(annotations: [String: String]? = nil, uid: String? = nil) -> JSONValue {
        var annotationObject = JSONObject()
        for (k, v) in (annotations ?? ["k8s.v1.cni.cncf.io/networks": networksAnnotation]).sorted(by: { $0.key < $1.key }) {
            annotationObject[k] = .string(v)
        }
        return ["apiVersion": "v1", "kind": "Pod",
                "metadata": ["name": .string(podName), "namespace": .string(podNamespace), "uid": .string(uid ?? podUID),
                             "annotations": .object(annotationObject)],
                "spec": ["nodeName": "node-1"]]
    }

    var cniArgs: String {
        "IgnoreUnknown=1;K8S_POD_NAMESPACE=\(podNamespace);K8S_POD_NAME=\(podName);K8S_POD_INFRA_CONTAINER_ID=ctr-\(sandbox.id);K8S_POD_UID=\(podUID)"
    }
}
