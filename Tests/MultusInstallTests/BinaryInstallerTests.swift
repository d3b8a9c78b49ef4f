import SystemSupport
import Foundation
import Synchronization
import Testing
@testable import MultusInstall

@Suite("copying the binary into the host's CNI bin folder")
struct BinaryInstallerTests {
    @Test("the copy is 0755 with the source's bytes; an identical copy is left alone")
    func copyHasModeAndContent() throws {
        let host = try FakeHost()
        defer { host.remove() }
        let source = host.root + "/multus-swift"
        try FileSystem.writeAtomically(source, Array(repeating: 0x7F, count: 100_000), mode: 0o600)

        #expect(try BinaryInstaller.install(source: source, directory: host.bin, name: "multus-swift"))
        let target = host.bin + "/multus-swift"
        var st = stat()
        #expect(stat(target, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o755)
        #expect(try FileSystem.read(target) == FileSystem.read(source))
        #expect(try !BinaryInstaller.install(source: source, directory: host.bin, name: "multus-swift"))
        #expect(FileSystem.list(host.bin) == ["multus-swift"], "no temporary file left behind")
    }

    @Test("a missing bin folder or source is an error")
    func missingFolderOrSource() throws {
        let host = try FakeHost()
        defer { host.remove() }
        #expect(throws: InstallError.self) {
            try BinaryInstaller.install(source: "/proc/self/exe", directory: host.root + "/nope", name: "x")
        }
        #expect(throws: InstallError.self) {
            try BinaryInstaller.install(source: host.root + "/nope", directory: host.bin, name: "x")
        }
    }

    @Test("atomic copy: a reader opening the destination meanwhile sees the old or the new size, never another")
    func atomicCopyNeverShowsHalfAFile() throws {
        let host = try FakeHost()
        defer { host.remove() }
        let small = host.root + "/small", large = host.root + "/large"
        let sizes: Set<Int> = [3 << 20, 7 << 20]
        try FileSystem.writeAtomically(small, Array(repeating: 1, count: 3 << 20), mode: 0o644)
        try FileSystem.writeAtomically(large, Array(repeating: 2, count: 7 << 20), mode: 0o644)
        let target = host.bin + "/multus-swift"
        try BinaryInstaller.install(source: small, directory: host.bin, name: "multus-swift")

        let done = StopFlag(), readerFinished = StopFlag()
        let seen = Locked<(opens: Int, bad: [Int])>((0, []))
        let reader = Thread { [done, readerFinished, seen] in
            defer { readerFinished.stop() }
            while !done.isStopped {
                let fd = open(target, O_RDONLY)
                guard fd >= 0 else { seen.withLock { $0.bad.append(-1) }; continue }
                var st = stat()
                fstat(fd, &st)
                // Read it all: the size must also be what the content holds.
                var total = 0
                var buffer = [UInt8](repeating: 0, count: 1 << 20)
                while true {
                    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if n <= 0 { break }
                    total += n
                }
                close(fd)
                seen.withLock {
                    $0.opens += 1
                    if !sizes.contains(Int(st.st_size)) || total != Int(st.st_size) { $0.bad.append(Int(st.st_size)) }
                }
            }
        }
        reader.start()
        for i in 0..<40 {
            try BinaryInstaller.install(source: i % 2 == 0 ? large : small, directory: host.bin, name: "multus-swift")
        }
        done.stop()
        #expect(waitUntil { readerFinished.isStopped })
        let result = seen.withLock { $0 }
        #expect(result.bad.isEmpty, "sizes seen besides \(sizes.sorted()): \(result.bad)")
        #expect(result.opens > 10)
        #expect(FileSystem.list(host.bin) == ["multus-swift"])
    }
}
