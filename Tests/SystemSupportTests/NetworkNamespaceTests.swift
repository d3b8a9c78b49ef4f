import Glibc
import SystemSupport
import Testing

/// The inode of the calling thread's network namespace; equal inodes mean the same namespace.
private func currentNamespaceInode() -> UInt64 {
    var info = stat()
    _ = stat("/proc/thread-self/ns/net", &info)
    return UInt64(info.st_ino)
}

private func shell(_ command: String) -> Int32 {
    let status = system(command)
    return (status >> 8) & 0xFF
}

@Suite(.serialized, .enabled(if: getuid() == 0, "needs root for network namespaces"))
struct NetworkNamespaceTests {
    let name = "sstest-\(UInt32.random(in: 0...0xFFFF))"
    var path: String { "/var/run/netns/\(name)" }

    @Test func workRunsInsideWhileTheCallerNeverMoves() throws {
        #expect(shell("ip netns add \(name)") == 0)
        defer { _ = shell("ip netns del \(name)") }
        let before = currentNamespaceInode()
        let inside = try NetworkNamespace.run(at: path) { () throws(Never) in currentNamespaceInode() }.get()
        #expect(inside != before)
        #expect(currentNamespaceInode() == before)

        struct Boom: Error {}
        let failed = try NetworkNamespace.run(at: path) { () throws(Boom) -> Int in throw Boom() }
        #expect(throws: Boom.self) { try failed.get() }
        #expect(currentNamespaceInode() == before)
    }

    @Test func missingNamespaceIsReportedByPath() {
        let missing = "/var/run/netns/sstest-does-not-exist"
        #expect(throws: NetworkNamespace.Failure.notFound(path: missing)) { try NetworkNamespace.check(missing) }
        #expect(NetworkNamespace.Failure.notFound(path: missing).description == "network namespace \(missing) does not exist")
    }

    @Test func regularFileIsNotANamespace() {
        #expect(throws: NetworkNamespace.Failure.notANetworkNamespace(path: "/etc/hostname")) {
            try NetworkNamespace.check("/etc/hostname")
        }
    }
}
