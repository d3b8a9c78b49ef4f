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
    ],
    targets: [
        // The CNI protocol as values. No I/O, no Foundation.
        .target(name: "CNISpec"),
        // Running plugins as libcni does, plus the caches.
        .target(name: "Delegation", dependencies: ["CNISpec"]),
        .systemLibrary(name: "CNetlink", pkgConfig: "libnl-route-3.0",
                       providers: [.apt(["libnl-3-dev", "libnl-route-3-dev"])]),
        .target(name: "Netlink", dependencies: ["CNetlink"]),
        // gzip for rotated log files (logOptions.compress).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "MultusCore", dependencies: [
            "CNISpec", "Delegation", "Netlink", "CZlib",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "multus-swift", dependencies: [
            "MultusCore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "CNISpecTests", dependencies: ["CNISpec"]),
        .testTarget(name: "DelegationTests", dependencies: ["Delegation"]),
        .testTarget(name: "NetlinkTests", dependencies: ["Netlink"]),
        .testTarget(name: "MultusCoreTests", dependencies: ["MultusCore"]),
        // End to end: the built binary, the reference plugins, real namespaces.
        .testTarget(name: "Conformance", dependencies: ["CNISpec"]),
    ]
)
