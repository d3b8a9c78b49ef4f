import CNISpec
import KubeAPI

extension Multus {
    /// The pod named by K8S_POD_NAMESPACE/K8S_POD_NAME, or nil (no cluster
    /// configured, no pod keys, or the pod does not exist — as Multus, a missing
    /// pod gets the static networks only).
    func lookupPod() throws(CNIError) -> Pod? {
        guard let cluster, let key = podKey else { return nil }
        let pod: Pod?
        do { pod = try cluster.pod(key) } catch { throw error.asCNIError(context: "\(context("pod")): reading pod \(key)") }
        guard let pod else {
            logger.info("\(context("pod")): pod \(key) not found; attaching the configured networks only")
            return nil
        }
        // A different UID means the name now belongs to another pod; static pods
        // are exempt, their API object is a mirror with a UID of its own.
        if let expected = env.args["K8S_POD_UID"], !expected.isEmpty, pod.metadata.uid != expected {
            let source = pod.annotations["kubernetes.io/config.source"] ?? "api"
            if source == "api" {
                throw CNIError(code: CNIError.multusInternal,
                               msg: "\(context("pod")): expected pod UID \"\(expected)\" but got \"\(pod.metadata.uid)\" from Kube API")
            }
        }
        return pod
    }
}
