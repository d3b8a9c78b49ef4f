import CNISpec
import Foundation
import struct TestSupport.TemporaryDirectory

/// A pod sandbox for one test: a network namespace, a veth pair whose host end
/// serves as macvlan master, a private folder for caches and host-local state,
/// and a /24 of its own for each bridge. `remove()` deletes all of it by name.
final class Sandbox: @unchecked Sendable {
    let id: String
    let netnsName: String
    let netnsPath: String
    private let folder: TemporaryDirectory
    var dir: String { folder.path }
    let macvlanMaster: String
    private let vethPeer: String
    private var bridges: [String] = []
    private var namespaces: [String] = []

    init() throws {
        id = Harness.uniqueID()
        netnsName = "msw-\(id)"
        netnsPath = "/var/run/netns/\(netnsName)"
        folder = TemporaryDirectory("msw-test")
        macvlanMaster = "mswm\(id)"
        vethPeer = "mswp\(id)"
        do {
            try FileManager.default.createDirectory(atPath: folder.path + "/conf.d", withIntermediateDirectories: true)
            try addNamespace(netnsName)
            try Harness.ip("link", "add", macvlanMaster, "type", "veth", "peer", "name", vethPeer)
            try Harness.ip("link", "set", macvlanMaster, "up")
        } catch {
            remove()
            throw error
        }
    }

    func addNamespace(_ name: String) throws {
        try Harness.ip("netns", "add", name)
        namespaces.append(name)
    }

    func remove() {
        for ns in namespaces { Harness.ipQuiet("netns", "del", ns) }
        Harness.ipQuiet("link", "del", macvlanMaster)
        for bridge in bridges { Harness.ipQuiet("link", "del", bridge) }
        folder.remove()
    }

    var cniDir: String { dir + "/cni" }
    var confDir: String { dir + "/conf.d" }
    var ipamDir: String { dir + "/ipam" }

    private static let subnetLock = NSLock()
    nonisolated(unsafe) private static var nextSubnet = Int.random(in: 0..<10_000)

    /// A fresh 10.x.y.0/24 for one network, unlikely to meet another test's.
    static func newSubnet() -> String {
        subnetLock.lock()
        defer { subnetLock.unlock() }
        nextSubnet += 1
        let n = nextSubnet % 12_000
        return "10.\(200 + n / 250).\(n % 250).0/24"
    }

    private func ipam(subnet: String) -> JSONValue {
        ["type": "host-local", "subnet": .string(subnet), "dataDir": .string(ipamDir)]
    }

    /// A bridge network on a bridge of its own, with host-local addresses.
    func bridgeNetwork(name: String, version: String = "1.0.0", subnet: String = Sandbox.newSubnet()) -> JSONValue {
        let bridge = "mswb\(id)\(bridges.count)"
        bridges.append(bridge)
        return ["cniVersion": .string(version), "name": .string(name), "type": "bridge", "bridge": .string(bridge),
                "isGateway": true, "ipam": ipam(subnet: subnet)]
    }

    func macvlanNetwork(name: String, master: String? = nil, version: String = "1.0.0",
                        subnet: String = Sandbox.newSubnet()) -> JSONValue {
        ["cniVersion": .string(version), "name": .string(name), "type": "macvlan",
         "master": .string(master ?? macvlanMaster), "mode": "bridge", "ipam": ipam(subnet: subnet)]
    }

    /// bridge → tuning (MTU 1400): a conflist delegate.
    func bridgeTuningList(name: String, mtu: Int = 1400) -> JSONValue {
        var bridge = bridgeNetwork(name: name)
        bridge["cniVersion"] = nil
        bridge["name"] = nil
        return ["cniVersion": "1.0.0", "name": .string(name),
                "plugins": [bridge, ["type": "tuning", "mtu": .int(mtu)]]]
    }

    func write(_ json: JSONValue, to file: String) throws -> String {
        let path = confDir + "/" + file
        try json.pretty.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func multusConfig(version: String = "1.0.0", _ extra: [(String, JSONValue)]) -> String {
        var object = JSONObject([("cniVersion", .string(version)), ("name", "multus-test"), ("type", "multus-swift"),
                                 ("confDir", .string(confDir)), ("cniDir", .string(cniDir)),
                                 ("binDir", .string(Harness.pluginDir)), ("logToStderr", false)])
        for (key, value) in extra { object[key] = value }
        return JSONValue.object(object).serialized
    }

    func cni(_ command: String, _ config: String, containerID: String? = nil, netns: String? = nil,
             ifName: String = "eth0", args: String = "", extraEnv: [String: String] = [:]) throws -> Harness.Output {
        try Harness.cni(command, config: config, containerID: containerID ?? "ctr-\(id)", netns: netns ?? netnsPath,
                        ifName: ifName, args: args, extraEnv: extraEnv)
    }

    // MARK: what is left on the node

    /// Interface names inside the namespace, loopback excluded.
    func interfaces(in ns: String? = nil) throws -> [String] {
        let out = try Harness.ip("-n", ns ?? netnsName, "-o", "link", "show")
        return out.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: ":", maxSplits: 2)
            guard parts.count >= 2 else { return nil }
            let name = parts[1].trimmingCharacters(in: .whitespaces).split(separator: "@").first.map(String.init) ?? ""
            return name == "lo" ? nil : name
        }.sorted()
    }

    func ipv4Addresses(of ifName: String, in ns: String? = nil) throws -> [String] {
        let out = try Harness.ip("-n", ns ?? netnsName, "-o", "-4", "addr", "show", "dev", ifName)
        return out.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard let i = fields.firstIndex(of: "inet"), i + 1 < fields.count else { return nil }
            return String(fields[i + 1])
        }
    }

    func mtu(of ifName: String, in ns: String? = nil) throws -> Int? {
        let out = try Harness.ip("-n", ns ?? netnsName, "-o", "link", "show", "dev", ifName)
        let fields = out.split(separator: " ")
        guard let i = fields.firstIndex(of: "mtu"), i + 1 < fields.count else { return nil }
        return Int(fields[i + 1])
    }

    /// host-local keeps one file per reserved address, named after the address.
    func reservedAddresses() -> [String] {
        guard let networks = try? FileManager.default.contentsOfDirectory(atPath: ipamDir) else { return [] }
        return networks.flatMap { network in
            ((try? FileManager.default.contentsOfDirectory(atPath: ipamDir + "/" + network)) ?? [])
                .filter { $0.first?.isNumber == true && ($0.contains(".") || $0.contains(":")) }
                .map { "\(network)/\($0)" }
        }
    }

    /// Files in cniDir (scratch caches and results), temporary files included.
    /// Cache files left in cniDir; the records of finished DELs (`deleted/`) are not leftovers.
    func cacheFiles() -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: cniDir) else { return [] }
        return enumerator.compactMap { $0 as? String }
            .filter { !FileManager.default.isDirectory(cniDir + "/" + $0) && !$0.hasPrefix("deleted/") }
    }
}

extension FileManager {
    func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }
}
