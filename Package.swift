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
        .target(name: "UnaryGRPC"),
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

        // What the unit tests share: temporary folders, a recording plugin
        // executor, a fake clock, an in-memory cluster.
        .target(name: "TestSupport", dependencies: ["CNISpec", "SystemSupport", "Delegation", "KubeAPI"],
                path: "Tests/Support/TestSupport"),

        .testTarget(name: "CNISpecTests", dependencies: ["CNISpec", "SystemSupport"]),
        .testTarget(name: "SystemSupportTests", dependencies: ["SystemSupport"]),
        .testTarget(name: "ProtobufWireTests", dependencies: ["ProtobufWire"]),
        .testTarget(name: "UnaryGRPCTests", dependencies: ["UnaryGRPC", "ProtobufWire"]),
        .testTarget(name: "DelegationTests", dependencies: ["Delegation", "SystemSupport"]),
        .testTarget(name: "NetlinkTests", dependencies: ["Netlink", "SystemSupport"]),
        .testTarget(name: "KubeAPITests", dependencies: ["KubeAPI", "KubeAPIServerDouble", "SystemSupport", "YAML"]),
        .testTarget(name: "NetworkStatusTests", dependencies: ["NetworkStatus", "SystemSupport"]),
        // FakePodResourcesServer is an HTTP/2 server of NIO's: the client meets an implementation not its own.
        .testTarget(name: "DRAClaimReaderTests", dependencies: [
            "DRAClaimReader", "KubeAPIServerDouble", "SystemSupport", "ProtobufWire", "UnaryGRPC",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP2", package: "swift-nio-http2"),
        ]),
        .testTarget(name: "MultusCoreTests", dependencies: ["MultusCore", "SystemSupport", "TestSupport"]),
        .testTarget(name: "MultusLoggingTests", dependencies: ["MultusLogging", "SystemSupport"]),
        .testTarget(name: "MultusDaemonTests", dependencies: [
            "MultusDaemon", "MultusInstall", "CNISpec", "KubeAPI", "KubeAPIServerDouble", "SystemSupport", "TestSupport",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "MultusInstallTests", dependencies: ["MultusInstall", "CNISpec", "SystemSupport", "TestSupport"]),
        // End to end: the built binary, the reference plugins, real namespaces.
        .testTarget(name: "Conformance", dependencies: ["CNISpec", "KubeAPIServerDouble", "SystemSupport", "UnaryGRPC", "ProtobufWire"],
                    exclude: ["GoMultusVectors"]),
    ]
)
