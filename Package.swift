// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "multus-swift",
    products: [
        .executable(name: "multus-swift", targets: ["multus-swift"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // The CNI protocol as values. No I/O, no Foundation.
        .target(name: "CNISpec"),
        // The OS, once: files (atomic, without following links), folders, errno
        // text, clocks and sleeping, the process environment, namespace threads.
        .target(name: "SystemSupport", dependencies: ["CSystemSupport"]),
        .target(name: "CSystemSupport"),
        // Running plugins as libcni does, plus the caches.
        .target(name: "Delegation", dependencies: ["CNISpec", "SystemSupport"]),
        .systemLibrary(name: "CNetlink", pkgConfig: "libnl-route-3.0",
                       providers: [.apt(["libnl-3-dev", "libnl-route-3-dev"])]),
        .target(name: "Netlink", dependencies: ["CNetlink", "SystemSupport"]),
        // gzip for rotated log files (logOptions.compress), CRC-32 of kubelet's DRA checkpoint.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // YAML (kubeconfigs, manifests) into our JSON values: libyaml's parser,
        // typed as sigs.k8s.io/yaml does, bounded against alias bombs and deep nesting.
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .target(name: "YAML", dependencies: ["CNISpec", "CYAML"]),
        // A small typed Kubernetes client (blocking sockets, BoringSSL through its C
        // API, pipelined HTTP/1.1) and the ClusterState the core reads through.
        // NIOSSL is here only for the CNIOBoringSSL module it makes visible.
        .target(name: "KubeAPI", dependencies: [
            "CNISpec", "SystemSupport", "YAML",
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        // The protobuf wire format, read and written by hand (no generated code).
        .target(name: "ProtobufWire"),
        // One synchronous unary gRPC call over a unix socket: HTTP/2, HPACK, deadline.
        .target(name: "UnaryGRPC", dependencies: ["SystemSupport"]),
        // Resource name → device IDs: kubelet pod-resources (gRPC over a unix socket),
        // device-plugin and DRA checkpoints (zlib's CRC-32), ResourceClaims and ResourceSlices.
        .target(name: "DRAClaimReader", dependencies: ["CNISpec", "KubeAPI", "SystemSupport", "ProtobufWire", "UnaryGRPC", "CZlib"]),
        // network-status: entries from CNI results, publishing them, device-info files.
        .target(name: "NetworkStatus", dependencies: ["CNISpec", "KubeAPI", "SystemSupport"]),
        // Multus's log lines, rotation with gzip, redaction of secrets, behind swift-log.
        .target(name: "MultusLogging", dependencies: [
            "CNISpec", "SystemSupport", "CZlib", .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "MultusCore", dependencies: [
            "CNISpec", "SystemSupport", "Delegation", "Netlink", "KubeAPI", "NetworkStatus", "DRAClaimReader",
            "MultusLogging", .product(name: "Logging", package: "swift-log"),
        ]),
        // The DaemonSet side, as Go Multus's thin_entrypoint and install_multus.
        .target(name: "MultusInstall", dependencies: ["CNISpec", "SystemSupport"]),
        // Thick mode, as Go Multus's multus-daemon and multus-shim: the unix socket
        // server and its client, watch caches of the node's pods and the NADs,
        // plugins chrooted into the host, the shim's config, metrics.
        .target(name: "MultusDaemon", dependencies: [
            "CNISpec", "SystemSupport", "Delegation", "KubeAPI", "MultusCore", "MultusInstall", "MultusLogging",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .executableTarget(name: "multus-swift", dependencies: [
            "MultusCore", "MultusInstall", "MultusDaemon", "SystemSupport"
        ]),

        // A Kubernetes API server double for the tests (the real one cannot run
        // here): TLS, bearer tokens, Status bodies, resourceVersion conflicts,
        // merge patch, HTTP/2, request counting. Never linked into the binary.
        .target(name: "KubeAPIServerDouble", dependencies: [
            "CNISpec",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTP2", package: "swift-nio-http2"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ], path: "Tests/Support/KubeAPIServerDouble"),
        // The double as a process for `make bench`: PKI, seeded manifests, a
        // kubeconfig, and its request log on SIGUSR1.
        .executableTarget(name: "kube-api-double", dependencies: ["KubeAPIServerDouble", "CNISpec"],
                          path: "Tests/Support/kube-api-double"),

        // What the tests share: temporary folders (Conformance's too), a
        // recording plugin executor, a fake clock, an in-memory cluster.
        .target(name: "TestSupport", dependencies: ["CNISpec", "SystemSupport", "Delegation", "KubeAPI"],
                path: "Tests/Support/TestSupport"),

        .testTarget(name: "CNISpecTests", dependencies: ["CNISpec", "SystemSupport"]),
        .testTarget(name: "SystemSupportTests", dependencies: ["SystemSupport"]),
        .testTarget(name: "ProtobufWireTests", dependencies: ["ProtobufWire"]),
        .testTarget(name: "UnaryGRPCTests", dependencies: ["UnaryGRPC", "ProtobufWire", "TestSupport"]),
        .testTarget(name: "DelegationTests", dependencies: ["Delegation", "SystemSupport", "TestSupport"]),
        .testTarget(name: "NetlinkTests", dependencies: ["Netlink", "SystemSupport"]),
        .testTarget(name: "KubeAPITests", dependencies: ["KubeAPI", "KubeAPIServerDouble", "SystemSupport", "TestSupport", "YAML"]),
        .testTarget(name: "NetworkStatusTests", dependencies: ["NetworkStatus", "SystemSupport"]),
        // FakePodResourcesServer is an HTTP/2 server of NIO's: the client meets an implementation not its own.
        .testTarget(name: "DRAClaimReaderTests", dependencies: [
            "DRAClaimReader", "KubeAPIServerDouble", "SystemSupport", "ProtobufWire", "UnaryGRPC", "TestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP2", package: "swift-nio-http2"),
        ]),
        .testTarget(name: "MultusCoreTests", dependencies: ["MultusCore", "SystemSupport", "TestSupport"]),
        .testTarget(name: "MultusLoggingTests", dependencies: ["MultusLogging", "SystemSupport", "TestSupport"]),
        .testTarget(name: "MultusDaemonTests", dependencies: [
            "MultusDaemon", "MultusInstall", "CNISpec", "KubeAPI", "KubeAPIServerDouble", "SystemSupport", "TestSupport",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "MultusInstallTests", dependencies: ["MultusInstall", "CNISpec", "SystemSupport", "TestSupport"]),
        // End to end: the built binary, the reference plugins, real namespaces.
        .testTarget(name: "Conformance", dependencies: ["CNISpec", "KubeAPIServerDouble", "SystemSupport", "UnaryGRPC", "ProtobufWire",
                                                        "TestSupport"],
                    exclude: ["GoMultusVectors"]),
    ]
)

// MARK: - Fuzzing (`make fuzz`, Fuzz/)
//
// Only with MULTUS_SWIFT_FUZZ set, and always in its own scratch path
// (.build-fuzz), so `swift build`, `make test` and `make release` never see it.
// The harnesses are targets of this package rather than of a package under
// Fuzz/ that depends on it by path: our modules export `package` symbols, and
// the HTTP/1.1 and HPACK readers are internal (reached with @testable import,
// which debug builds allow), and only the same package can use either.
// `swift build --sanitize fuzzer` exists, but instruments every target,
// dependencies included (NIO, BoringSSL: more build time for code no harness
// runs). Here only our modules (under Sources/) get the sanitizers, and -O,
// since a fuzzer's worth is its executions per second; the dependencies stay
// as a debug build has them. SwiftPM still gives each harness a main of its
// own, which hands over to libFuzzer (Fuzz/Support/FuzzSupport).
if Context.environment["MULTUS_SWIFT_FUZZ"] != nil {
    let sanitize = ["-sanitize=fuzzer,address"]
    for target in package.targets where target.type == .regular && target.path == nil {
        target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(sanitize + ["-O"])]
    }
    // What a harness cannot need: executables, tests and their support.
    package.targets = package.targets.filter { $0.path == nil && ($0.type == .regular || $0.type == .system) }
    package.products = []
    package.targets += [
        .systemLibrary(name: "CLibFuzzer", path: "Fuzz/Support/CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"], path: "Fuzz/Support/FuzzSupport",
                swiftSettings: [.unsafeFlags(["-O"])]),
    ]
    // Fuzz/Harnesses/<name>/main.swift becomes the executable fuzz-<name>.
    let harnesses: [(name: String, dependencies: [Target.Dependency])] = [
        ("json", ["CNISpec"]),
        ("cni-args", ["CNISpec"]),
        ("networks", ["CNISpec", "MultusCore"]),
        ("result", ["CNISpec"]),
        ("redaction", ["CNISpec", "MultusLogging"]),
        ("kubeconfig", ["CNISpec", "KubeAPI", "YAML"]),
        ("yaml", ["CNISpec", "YAML"]),
        ("manifest", ["CNISpec", "KubeAPI", "SystemSupport"]),
        ("device-plugin-checkpoint", ["DRAClaimReader"]),
        ("dra-checkpoint", ["CNISpec", "DRAClaimReader", "KubeAPI"]),
        ("pod-resources", ["DRAClaimReader", "KubeAPI", "ProtobufWire"]),
        ("http-response", ["KubeAPI", "SystemSupport"]),
        ("hpack", ["UnaryGRPC"]),
    ]
    for harness in harnesses {
        package.targets.append(.executableTarget(
            name: "fuzz-\(harness.name)", dependencies: ["FuzzSupport"] + harness.dependencies,
            path: "Fuzz/Harnesses/\(harness.name)",
            swiftSettings: [.unsafeFlags(sanitize + ["-O"])], linkerSettings: [.unsafeFlags(sanitize + ["-use-ld=lld"])]))
    }
}
