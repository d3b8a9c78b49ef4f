import ProtobufWire

/// The few CRI messages (k8s.io/cri-api runtime/v1 api.proto, package
/// runtime.v1) the kubelet sends to run and tear down a pod sandbox, encoded
/// and decoded by hand over ProtobufWire. Field numbers are api.proto's; each
/// is named where it is written or read. Unknown fields are skipped, so a
/// newer runtime's extra fields do no harm.
enum CRI {
    static let runtimeService = "/runtime.v1.RuntimeService/"

    // message VersionRequest { string version = 1; }
    static func versionRequest(_ version: String = "v1") -> [UInt8] {
        var w = ProtobufWriter()
        w.string(1, version)
        return w.bytes
    }

    // message VersionResponse { string version = 1; string runtime_name = 2;
    //   string runtime_version = 3; string runtime_api_version = 4; }
    struct VersionResponse {
        var version = "", runtimeName = "", runtimeVersion = "", runtimeAPIVersion = ""

        init(_ bytes: [UInt8]) throws {
            var r = ProtobufReader(bytes)
            while let f = try r.next() {
                switch f.number {
                case 1: version = try f.string()
                case 2: runtimeName = try f.string()
                case 3: runtimeVersion = try f.string()
                case 4: runtimeAPIVersion = try f.string()
                default: break
                }
            }
        }
    }

    /// What the kubelet puts in a PodSandboxConfig for an ordinary pod.
    struct PodSandboxConfig {
        var name: String
        var namespace: String
        var uid: String
        var attempt: UInt32 = 0
        var hostname: String
        var logDirectory: String
        var labels: [String: String] = [:]
        var annotations: [String: String] = [:]
        var portMappings: [(containerPort: Int32, hostPort: Int32)] = []
        var cgroupParent = ""
    }

    // message RunPodSandboxRequest { PodSandboxConfig config = 1; string runtime_handler = 2; }
    static func runPodSandboxRequest(_ c: PodSandboxConfig) -> [UInt8] {
        var w = ProtobufWriter()
        w.message(1) { config in
            // PodSandboxConfig: metadata = 1, hostname = 2, log_directory = 3, dns_config = 4,
            // port_mappings = 5, labels = 6, annotations = 7, linux = 8
            config.message(1) { m in  // PodSandboxMetadata: name = 1, uid = 2, namespace = 3, attempt = 4
                m.string(1, c.name)
                m.string(2, c.uid)
                m.string(3, c.namespace)
                if c.attempt != 0 { m.uint32(4, c.attempt) }
            }
            config.string(2, c.hostname)
            config.string(3, c.logDirectory)
            config.message(4) { dns in  // DNSConfig: servers = 1, searches = 2, options = 3
                dns.string(2, "\(c.namespace).svc.cluster.local")
                dns.string(3, "ndots:5")
            }
            for p in c.portMappings {  // PortMapping: protocol = 1 (TCP = 0), container_port = 2, host_port = 3
                config.message(5) { pm in
                    pm.int32(2, p.containerPort)
                    pm.int32(3, p.hostPort)
                }
            }
            for (k, v) in c.labels.sorted(by: { $0.key < $1.key }) { config.mapEntry(6, key: k, value: v) }
            for (k, v) in c.annotations.sorted(by: { $0.key < $1.key }) { config.mapEntry(7, key: k, value: v) }
            config.message(8) { linux in  // LinuxPodSandboxConfig: cgroup_parent = 1, security_context = 2
                linux.stringIfSet(1, c.cgroupParent)
                linux.message(2) { sc in  // LinuxSandboxSecurityContext: namespace_options = 1
                    sc.message(1) { ns in  // NamespaceOption: network = 1, pid = 2, ipc = 3 (POD = 0, CONTAINER = 1)
                        ns.int32(2, 1)     // pid CONTAINER, as the kubelet sets for v1 pods
                    }
                }
            }
        }
        return w.bytes
    }

    // message RunPodSandboxResponse { string pod_sandbox_id = 1; }
    // (also the shape of the Stop/Remove/Status requests' first field)
    static func podSandboxID(_ bytes: [UInt8]) throws -> String {
        var r = ProtobufReader(bytes)
        var id = ""
        while let f = try r.next() {
            if f.number == 1 { id = try f.string() }
        }
        return id
    }

    // StopPodSandboxRequest / RemovePodSandboxRequest { string pod_sandbox_id = 1; }
    // PodSandboxStatusRequest { string pod_sandbox_id = 1; bool verbose = 2; }
    static func sandboxRequest(_ id: String, verbose: Bool = false) -> [UInt8] {
        var w = ProtobufWriter()
        w.string(1, id)
        w.boolIfSet(2, verbose)
        return w.bytes
    }

    // message PodSandboxStatusResponse { PodSandboxStatus status = 1; map<string, string> info = 2; … }
    // message PodSandboxStatus { string id = 1; PodSandboxMetadata metadata = 2; PodSandboxState state = 3;
    //   int64 created_at = 4; PodSandboxNetworkStatus network = 5; … map<string, string> annotations = 8; }
    // message PodSandboxNetworkStatus { string ip = 1; repeated PodIP additional_ips = 2; }  PodIP { string ip = 1; }
    struct PodSandboxStatus {
        enum State: Int { case ready = 0, notReady = 1 }
        var id = ""
        var state = State.ready  // proto3 leaves the default (SANDBOX_READY = 0) out
        var createdAt: Int64 = 0
        var ip = ""
        var additionalIPs: [String] = []
        var annotations: [String: String] = [:]
        var info: [String: String] = [:]

        init(response bytes: [UInt8]) throws {
            var r = ProtobufReader(bytes)
            while let f = try r.next() {
                switch f.number {
                case 1: try readStatus(f.message())
                case 2: let (k, v) = try CRI.mapEntry(f); info[k] = v
                default: break
                }
            }
        }

        private mutating func readStatus(_ reader: ProtobufReader) throws {
            var r = reader
            while let f = try r.next() {
                switch f.number {
                case 1: id = try f.string()
                case 3: state = State(rawValue: Int(try f.int32())) ?? .notReady
                case 4: createdAt = try f.int64()
                case 5:
                    var n = try f.message()
                    while let nf = try n.next() {
                        switch nf.number {
                        case 1: ip = try nf.string()
                        case 2:
                            var podIP = try nf.message()
                            while let pf = try podIP.next() {
                                if pf.number == 1 { additionalIPs.append(try pf.string()) }
                            }
                        default: break
                        }
                    }
                case 8: let (k, v) = try CRI.mapEntry(f); annotations[k] = v
                default: break
                }
            }
        }
    }

    /// A `map<string, string>` entry: key = 1, value = 2.
    static func mapEntry(_ field: WireField) throws -> (String, String) {
        var r = try field.message()
        var key = "", value = ""
        while let f = try r.next() {
            switch f.number {
            case 1: key = try f.string()
            case 2: value = try f.string()
            default: break
            }
        }
        return (key, value)
    }
}
