import CNISpec
import SystemSupport
import TestSupport
@testable import MultusInstall

/// A throwaway stand-in for a node, in a TemporaryDirectory: `bin` is
/// /host/opt/cni/bin, `netd` is /host/etc/cni/net.d, `sa` the pod's service
/// account, `multusNetd` the container's /host/etc/cni/multus/net.d.
struct FakeHost {
    let directory: TemporaryDirectory
    var root: String { directory.path }
    var bin: String { root + "/host/opt/cni/bin" }
    var netd: String { root + "/host/etc/cni/net.d" }
    var multusNetd: String { root + "/host/etc/cni/multus/net.d" }
    var sa: String { root + "/var/run/secrets/kubernetes.io/serviceaccount" }

    init() throws {
        directory = TemporaryDirectory("multus-install")
        do {
            for dir in [bin, netd, sa] { try FileSystem.makeDirectories(dir, mode: 0o755) }
            try write(sa + "/token", "token-one")
            try write(sa + "/ca.crt", "-----BEGIN CERTIFICATE-----\nMIIfake\n-----END CERTIFICATE-----\n")
        } catch {
            directory.remove()
            throw error
        }
    }

    func remove() { directory.remove() }

    /// Writes `text` at an absolute path inside this host, creating folders.
    func write(_ path: String, _ text: String) throws {
        try FileSystem.makeDirectories(Paths.directory(of: path), mode: 0o755)
        try FileSystem.writeAtomically(path, Array(text.utf8), mode: 0o644)
    }

    func read(_ path: String) -> String? {
        (try? FileSystem.read(path)).flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) }
    }

    func json(_ path: String) throws -> JSONValue? {
        guard let bytes = try FileSystem.read(path) else { return nil }
        return try JSONValue(parsing: bytes)
    }

    /// Options for an auto install into this host: every container path of
    /// Go's defaults moved into the temporary folder.
    var options: InstallOptions {
        var o = InstallOptions()
        o.cniBinDir = bin
        o.cniConfDir = netd
        o.multusAutoconfigDir = netd
        o.multusCNIConfDir = multusNetd
        o.serviceAccountDir = sa
        o.apiServer = "https://10.96.0.1:443"
        o.skipMultusBinaryCopy = true
        return o
    }
}

/// The package root, from this file's path.
let packageRoot: String = {
    var path = #filePath
    for _ in 0..<3 { path = Paths.directory(of: path) }
    return path
}()
