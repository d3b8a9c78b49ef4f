import CNISpec
import Foundation
import KubeAPI
import KubeAPIServerDouble

/// Shared fixtures: one PKI per test process (openssl takes ~0.1 s), a fresh
/// temporary folder per test, and a double + client wired together.
enum Fixture {
    static let pki: TestPKI = {
        do { return try KubeAPIServerDouble.makeTestPKI(in: temporaryDirectory("pki")) } catch {
            fatalError("cannot make the test PKI: \(error)")
        }
    }()

    /// A second, unrelated CA: nothing it signs is trusted by `pki`, and vice versa.
    static let otherPKI: TestPKI = {
        do { return try KubeAPIServerDouble.makeTestPKI(in: temporaryDirectory("other-pki")) } catch {
            fatalError("cannot make the second test PKI: \(error)")
        }
    }()

    /// A server certificate that names only `api.internal.example`: reaching it
    /// at 127.0.0.1 needs `tls-server-name`.
    static let namedOnlyPKI: TestPKI = {
        do {
            return try KubeAPIServerDouble.makeTestPKI(
                in: temporaryDirectory("named-pki"), serverNames: ["DNS:api.internal.example"])
        } catch {
            fatalError("cannot make the third test PKI: \(error)")
        }
    }()

    static func temporaryDirectory(_ label: String = "kubeapi") -> String {
        var template = Array("\(NSTemporaryDirectory())/\(label)-XXXXXX".utf8CString)
        let path = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        return String(cString: path!)
    }

    /// Retries that keep the tests quick: the same policy, smaller numbers (the
    /// budget still leaves room for slow attempts on a loaded CI machine).
    static let fastOptions = KubeClient.Options(
        requestTimeout: .seconds(5), retryBudget: .seconds(8),
        initialBackoff: .milliseconds(20), maximumBackoff: .milliseconds(200))
}

func write(_ text: String, to path: String) throws {
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}

/// Runs `body` with a started double and a scratch folder; always shuts it down.
@discardableResult
func withDouble<T>(
    pki: TestPKI = Fixture.pki, http2: Bool = true,
    _ body: (KubeAPIServerDouble, String) async throws -> T
) async throws -> T {
    let double = try await KubeAPIServerDouble.start(pki: pki, http2: http2)
    let dir = Fixture.temporaryDirectory()
    do {
        let result = try await body(double, dir)
        await double.shutdown()
        return result
    } catch {
        await double.shutdown()
        throw error
    }
}

/// A client for `double` through a kubeconfig written in `dir`; always shut down.
@discardableResult
func withClient<T>(
    _ double: KubeAPIServerDouble, dir: String,
    credential: KubeAPIServerDouble.KubeconfigCredential = .token("test-token"),
    options: KubeClient.Options = Fixture.fastOptions,
    _ body: (KubeClient) async throws -> T
) async throws -> T {
    let path = dir + "/kubeconfig"
    try double.writeKubeconfig(to: path, credential: credential)
    let client = try KubeClient(config: try Kubeconfig.load(path: path), options: options)
    do {
        let result = try await body(client)
        await client.shutdown()
        return result
    } catch {
        await client.shutdown()
        throw error
    }
}

@discardableResult
func withClusterState<T>(
    _ double: KubeAPIServerDouble, dir: String,
    options: KubeClient.Options = Fixture.fastOptions,
    _ body: (APIServerClusterState) async throws -> T
) async throws -> T {
    try await withClient(double, dir: dir, options: options) { client in
        try await body(APIServerClusterState(client: client))
    }
}

enum Manifests {
    static func pod(_ name: String, namespace: String = "default", uid: String = "pod-uid-1",
                    annotations: [(String, String)] = [], nodeName: String = "node-1") -> JSONValue {
        [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": .string(name), "namespace": .string(namespace), "uid": .string(uid),
                "annotations": .object(JSONObject(annotations.map { ($0.0, JSONValue.string($0.1)) })),
            ],
            "spec": ["nodeName": .string(nodeName), "containers": [["name": "app", "image": "busybox"]]],
            "status": ["phase": "Pending"],
        ]
    }

    static func nad(_ name: String, namespace: String = "default", config: String) -> JSONValue {
        [
            "apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
            "metadata": ["name": .string(name), "namespace": .string(namespace)],
            "spec": ["config": .string(config)],
        ]
    }

    static func resourceClaim(_ name: String, namespace: String = "default", apiVersion: String = "resource.k8s.io/v1",
                              driver: String = "sriov.example.com", device: String = "vf-0") -> JSONValue {
        [
            "apiVersion": .string(apiVersion), "kind": "ResourceClaim",
            "metadata": ["name": .string(name), "namespace": .string(namespace)],
            "status": ["allocation": ["devices": ["results": [
                ["request": "nic", "driver": .string(driver), "pool": "node-1", "device": .string(device)],
            ]]]],
        ]
    }

    static func resourceSlice(_ name: String, node: String, driver: String, apiVersion: String = "resource.k8s.io/v1")
        -> JSONValue
    {
        [
            "apiVersion": .string(apiVersion), "kind": "ResourceSlice",
            "metadata": ["name": .string(name)],
            "spec": [
                "driver": .string(driver), "nodeName": .string(node),
                "pool": ["name": .string(node), "generation": 1, "resourceSliceCount": 1],
                "devices": [[
                    "name": "vf-0",
                    "attributes": [
                        "k8s.cni.cncf.io/deviceID": ["string": "0000:3b:02.0"],
                        "k8s.cni.cncf.io/resourceName": ["string": "example.com/sriov"],
                    ],
                ]],
            ],
        ]
    }
}

extension Duration {
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
