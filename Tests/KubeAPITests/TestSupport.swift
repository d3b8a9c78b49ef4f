import CNISpec
import Foundation
import KubeAPI
import KubeAPIServerDouble
import Synchronization
import SystemSupport
import struct TestSupport.TemporaryDirectory

/// Shared fixtures: one PKI per test process (openssl takes ~0.1 s), a fresh
/// temporary folder per test, and a double + client wired together.
enum Fixture {
    static let pki: TestPKI = {
        do { return try KubeAPIServerDouble.makeTestPKI(in: TemporaryDirectory("pki").path) } catch {
            fatalError("cannot make the test PKI: \(error)")
        }
    }()

    /// A second, unrelated CA: nothing it signs is trusted by `pki`, and vice versa.
    static let otherPKI: TestPKI = {
        do { return try KubeAPIServerDouble.makeTestPKI(in: TemporaryDirectory("other-pki").path) } catch {
            fatalError("cannot make the second test PKI: \(error)")
        }
    }()

    /// A server certificate that names only `api.internal.example`: reaching it
    /// at 127.0.0.1 needs `tls-server-name`.
    static let namedOnlyPKI: TestPKI = {
        do {
            return try KubeAPIServerDouble.makeTestPKI(
                in: TemporaryDirectory("named-pki").path, serverNames: ["DNS:api.internal.example"])
        } catch {
            fatalError("cannot make the third test PKI: \(error)")
        }
    }()

    /// The default policy on a clock that does not wait: retries, backoff and
    /// budgets are checked without sleeping.
    static func options(_ time: FakeTime = FakeTime(), retryBudget: Duration = .seconds(5)) -> KubeClient.Options {
        KubeClient.Options(requestTimeout: .seconds(10), retryBudget: retryBudget, timeSource: time, jitter: 0)
    }
}

/// A `TimeSource` whose sleeps return at once and move its clock on; it
/// records them, and may run `onSleep` (a test's "meanwhile") first.
final class FakeTime: TimeSource, @unchecked Sendable {
    private let state = Mutex<(now: Duration, sleeps: [Duration])>((.seconds(1000), []))
    let onSleep: (@Sendable (Int) -> Void)?

    init(onSleep: (@Sendable (Int) -> Void)? = nil) { self.onSleep = onSleep }

    var now: Duration { state.withLock { $0.now } }
    var sleeps: [Duration] { state.withLock { $0.sleeps } }

    func sleep(for duration: Duration) {
        let count = state.withLock { s in
            s.sleeps.append(duration)
            s.now += duration
            return s.sleeps.count
        }
        onSleep?(count)
    }

    func advance(_ duration: Duration) { state.withLock { $0.now += duration } }
}

func write(_ text: String, to path: String) throws {
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}

/// Runs blocking client code on a thread of its own, so that the two threads
/// of the cooperative pool stay free for the double and other tests.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    let result: Result<T, any Error> = await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: Result { try body() }) }
        thread.stackSize = 8 << 20
        thread.start()
    }
    return try result.get()
}

/// Runs `body` with a started double and a scratch folder; always shuts it down.
@discardableResult
func withDouble<T: Sendable>(
    pki: TestPKI = Fixture.pki, http2: Bool = true, plainHTTP: Bool = false,
    _ body: @escaping @Sendable (KubeAPIServerDouble, String) throws -> T
) async throws -> T {
    let double = try await KubeAPIServerDouble.start(pki: pki, http2: http2, plainHTTP: plainHTTP)
    let dir = TemporaryDirectory("kubeapi").path
    do {
        let result = try await offPool { try body(double, dir) }
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
    options: KubeClient.Options = Fixture.options(),
    _ body: (KubeClient) throws -> T
) throws -> T {
    let path = dir + "/kubeconfig"
    try double.writeKubeconfig(to: path, credential: credential)
    let client = try KubeClient(config: try Kubeconfig.load(path: path), options: options)
    defer { client.shutdown() }
    return try body(client)
}

@discardableResult
func withClusterState<T>(
    _ double: KubeAPIServerDouble, dir: String,
    options: KubeClient.Options = Fixture.options(),
    _ body: (APIServerClusterState) throws -> T
) throws -> T {
    try withClient(double, dir: dir, options: options) { client throws in
        try body(APIServerClusterState(client: client))
    }
}

/// Blocks this (non-pool) thread until the async `work` is done.
func waitFor(_ work: @escaping @Sendable () async throws -> Void) {
    let done = DispatchSemaphore(value: 0)
    Task {
        try? await work()
        done.signal()
    }
    done.wait()
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

/// The `KubeError.transport` message, or nil.
func transportMessage(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let error as KubeError {
        if case .transport(let message) = error { return message }
        return "unexpected \(error)"
    } catch {
        return "unexpected \(error)"
    }
}
