// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "multus-swift",
    products: [
        .executable(name: "multus-swift", targets: ["multus-swift"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
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
        // gzip for rotated log files (logOptions.compress).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // A small typed Kubernetes client and the ClusterState the core reads through.
        .target(name: "KubeAPI", dependencies: [
            "CNISpec", "SystemSupport",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Yams", package: "Yams"),
        ]),
        // Resource name → device IDs: kubelet pod-resources (gRPC over a unix socket),
        // device-plugin and DRA checkpoints, ResourceClaims and ResourceSlices.
        .target(name: "DRAClaimReader", dependencies: [
            "CNISpec", "KubeAPI", "SystemSupport",
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP2", package: "swift-nio-http2"),
        ], exclude: ["Generated/podresources.proto"]),
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
        // `multus-swift install`: the thin entrypoint of the DaemonSet.
        .target(name: "MultusInstall", dependencies: ["CNISpec", "SystemSupport"]),
        .executableTarget(name: "multus-swift", dependencies: [
            "MultusCore", "MultusInstall", "SystemSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
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
        .testTarget(name: "DelegationTests", dependencies: ["Delegation", "SystemSupport"]),
        .testTarget(name: "NetlinkTests", dependencies: ["Netlink", "SystemSupport"]),
        .testTarget(name: "KubeAPITests", dependencies: ["KubeAPI", "KubeAPIServerDouble", "SystemSupport"]),
        .testTarget(name: "NetworkStatusTests", dependencies: ["NetworkStatus", "SystemSupport"]),
        .testTarget(name: "DRAClaimReaderTests", dependencies: ["DRAClaimReader", "KubeAPIServerDouble", "SystemSupport"]),
        .testTarget(name: "MultusCoreTests", dependencies: ["MultusCore", "SystemSupport", "TestSupport"]),
        .testTarget(name: "MultusLoggingTests", dependencies: ["MultusLogging", "SystemSupport"]),
        .testTarget(name: "MultusInstallTests", dependencies: ["MultusInstall", "SystemSupport"]),
        // End to end: the built binary, the reference plugins, real namespaces.
        .testTarget(name: "Conformance", dependencies: ["CNISpec", "KubeAPIServerDouble", "SystemSupport"],
                    exclude: ["GoMultusVectors"]),
    ]
)
