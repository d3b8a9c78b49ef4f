import Foundation
import UnaryGRPC

/// The kubelet's side of the CRI, one unary call per method, over
/// multus-swift's own gRPC client.
struct CRIClient {
    let socket: String
    /// RunPodSandbox runs the CNI ADD chain; the kubelet allows it 4 minutes.
    var timeout: Duration = .seconds(60)

    private func call(_ method: String, _ request: [UInt8]) throws -> [UInt8] {
        try UnaryGRPCCall(socketPath: socket, method: CRI.runtimeService + method, timeout: timeout).call(request)
    }

    func version() throws -> CRI.VersionResponse {
        try CRI.VersionResponse(call("Version", CRI.versionRequest()))
    }

    func runPodSandbox(_ config: CRI.PodSandboxConfig) throws -> String {
        try CRI.podSandboxID(call("RunPodSandbox", CRI.runPodSandboxRequest(config)))
    }

    func podSandboxStatus(_ id: String) throws -> CRI.PodSandboxStatus {
        try CRI.PodSandboxStatus(response: call("PodSandboxStatus", CRI.sandboxRequest(id, verbose: true)))
    }

    func stopPodSandbox(_ id: String) throws {
        _ = try call("StopPodSandbox", CRI.sandboxRequest(id))
    }

    func removePodSandbox(_ id: String) throws {
        _ = try call("RemovePodSandbox", CRI.sandboxRequest(id))
    }
}
