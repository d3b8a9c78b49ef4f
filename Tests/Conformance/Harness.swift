import CNISpec
import Foundation
import Testing

/// Runs commands and the built multus-swift binary for the end-to-end tests.
/// Every test makes its own uniquely named namespace, links, bridge, subnet and
/// folders, and removes them by name.
enum Harness {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// The binary under test: MULTUS_SWIFT_BIN, else the release build, else debug.
    static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["MULTUS_SWIFT_BIN"] { return path }
        let release = packageRoot + "/.build/release/multus-swift"
        return FileManager.default.isExecutableFile(atPath: release) ? release : packageRoot + "/.build/debug/multus-swift"
    }()

    static let pluginDir = "/usr/lib/cni"
    static var isRoot: Bool { getuid() == 0 }
    static var pluginsInstalled: Bool { FileManager.default.isExecutableFile(atPath: pluginDir + "/bridge") }
    static var canRun: Bool { isRoot && pluginsInstalled }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
        var json: JSONValue? { try? JSONValue(parsing: stdout) }
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                    stdin: String = "") throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
        process.standardInput = inPipe
        process.standardOutput = outPipe
        process.standardError = errPipe
        try process.run()
        // A binary may exit before reading stdin (bad environment): EPIPE then, not a trap or SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        try? inPipe.fileHandleForWriting.write(contentsOf: Data(stdin.utf8))
        try inPipe.fileHandleForWriting.close()
        // Read both pipes before waiting, so a chatty child never blocks.
        let errData = LockedData()
        let errReader = Thread { errData.set(errPipe.fileHandleForReading.readDataToEndOfFile()) }
        errReader.start()
        let outData = outPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errData.isSet { usleep(1000) }
        return Output(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData.get(), as: UTF8.self))
    }

    /// `ip …`, failing the test when it fails.
    @discardableResult
    static func ip(_ arguments: String...) throws -> String {
        let out = try run("/usr/sbin/ip", arguments)
        guard out.status == 0 else { throw HarnessError("ip \(arguments.joined(separator: " ")): \(out.stderr)") }
        return out.stdout
    }

    /// `ip …` whose failure does not matter (cleanup).
    static func ipQuiet(_ arguments: String...) {
        _ = try? run("/usr/sbin/ip", arguments)
    }

    /// One CNI call of the binary under test.
    static func cni(_ command: String, config: String, containerID: String, netns: String, ifName: String = "eth0",
                    args: String = "", extraEnv: [String: String] = [:]) throws -> Output {
        var env = ["CNI_COMMAND": command, "CNI_CONTAINERID": containerID, "CNI_NETNS": netns, "CNI_IFNAME": ifName,
                   "CNI_PATH": pluginDir, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
        if !args.isEmpty { env["CNI_ARGS"] = args }
        env.merge(extraEnv) { $1 }
        return try run(binary, [], environment: env, stdin: config)
    }

    static func uniqueID() -> String { String(UInt32.random(in: 0...0xFFFFF), radix: 16) }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var done = false
    func set(_ d: Data) { lock.lock(); data = d; done = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return done }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}
