import CNISpec
import Foundation
import func TestSupport.withTemporaryDirectory
import Testing

/// The binary as `passthru`, against what Go Multus's cmd/passthru-cni answers
/// (recorded from its binary built at 96534b6; when GO_MULTUS_BIN names Go's
/// thin `multus` binary and Go's passthru is beside it, as `passthru` or
/// `passthru-cni`, each case is also run through Go's and the two must print
/// the same).
@Suite struct PassthruTests {
    static let env = ["CNI_CONTAINERID": "abc", "CNI_NETNS": "/var/run/netns/none", "CNI_IFNAME": "eth0", "CNI_PATH": "/opt/cni/bin"]
    static func conf(_ version: String) -> String { #"{"cniVersion":"\#(version)","name":"n","type":"passthru"}"# }
    static let versions = #"[\"0.3.0\" \"0.3.1\" \"0.4.0\" \"1.0.0\" \"1.1.0\"]"#

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var environment: [String: String]
        var stdin: String
        var stdout: String
        var status: Int32 = 0
        var stderr = ""
        var testDescription: String { name }
    }

    static func error(_ code: Int, _ msg: String, _ details: String? = nil) -> String {
        "{\n    \"code\": \(code),\n    \"msg\": \"\(msg)\"" + (details.map { ",\n    \"details\": \"\($0)\"" } ?? "") + "\n}"
    }

    static let cases: [Case] = {
        var cases: [Case] = []
        for v in ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"] {
            cases.append(Case(name: "ADD \(v): an empty result in that version", environment: env.merging(["CNI_COMMAND": "ADD"]) { $1 },
                              stdin: conf(v), stdout: "{\n    \"cniVersion\": \"\(v)\"\n}"))
            cases.append(Case(name: "DEL \(v): nothing", environment: env.merging(["CNI_COMMAND": "DEL"]) { $1 }, stdin: conf(v), stdout: ""))
        }
        for v in ["0.1.0", "0.2.0", "2.0.0"] {
            cases.append(Case(name: "ADD \(v): not spoken", environment: env.merging(["CNI_COMMAND": "ADD"]) { $1 }, stdin: conf(v),
                              stdout: error(1, "incompatible CNI versions", "config is \\\"\(v)\\\", plugin supports \(versions)"), status: 1))
        }
        cases += [
            Case(name: "ADD without cniVersion is 0.1.0", environment: env.merging(["CNI_COMMAND": "ADD"]) { $1 },
                 stdin: #"{"name":"n"}"#,
                 stdout: error(1, "incompatible CNI versions", "config is \\\"0.1.0\\\", plugin supports \(versions)"), status: 1),
            Case(name: "ADD ignores a prevResult", environment: env.merging(["CNI_COMMAND": "ADD"]) { $1 },
                 stdin: #"{"cniVersion":"1.0.0","name":"n","prevResult":{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.2/24"}]}}"#,
                 stdout: "{\n    \"cniVersion\": \"1.0.0\"\n}"),
            Case(name: "CHECK 1.0.0: nothing", environment: env.merging(["CNI_COMMAND": "CHECK"]) { $1 }, stdin: conf("1.0.0"), stdout: ""),
            Case(name: "CHECK 0.3.1: refused", environment: env.merging(["CNI_COMMAND": "CHECK"]) { $1 }, stdin: conf("0.3.1"),
                 stdout: error(1, "config version does not allow CHECK"), status: 1),
            Case(name: "GC 1.1.0: nothing", environment: ["CNI_COMMAND": "GC", "CNI_PATH": "/x"], stdin: conf("1.1.0"), stdout: ""),
            Case(name: "STATUS 1.1.0: nothing", environment: ["CNI_COMMAND": "STATUS", "CNI_PATH": "/x"], stdin: conf("1.1.0"), stdout: ""),
            Case(name: "STATUS 1.0.0: refused", environment: ["CNI_COMMAND": "STATUS", "CNI_PATH": "/x"], stdin: conf("1.0.0"),
                 stdout: error(1, "config version does not allow STATUS"), status: 1),
            Case(name: "VERSION, whatever stdin holds", environment: ["CNI_COMMAND": "VERSION"], stdin: "garbage",
                 stdout: #"{"cniVersion":"1.1.0","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}"# + "\n"),
            Case(name: "DEL needs no CNI_NETNS", environment: ["CNI_COMMAND": "DEL", "CNI_CONTAINERID": "abc", "CNI_IFNAME": "eth0", "CNI_PATH": "/x"],
                 stdin: conf("1.0.0"), stdout: ""),
            Case(name: "ADD without the environment", environment: ["CNI_COMMAND": "ADD"], stdin: conf("1.0.0"),
                 stdout: error(4, "required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH] missing"), status: 1),
            Case(name: "no CNI_COMMAND: the about text on stderr", environment: env, stdin: conf("1.0.0"), stdout: "",
                 stderr: "Passthrough CNI Plugin v1.0\nCNI protocol versions supported: 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0\n"),
            Case(name: "unknown command", environment: env.merging(["CNI_COMMAND": "FOO"]) { $1 }, stdin: conf("1.0.0"),
                 stdout: error(4, "unknown CNI_COMMAND: FOO"), status: 1),
            Case(name: "no network name", environment: env.merging(["CNI_COMMAND": "ADD"]) { $1 }, stdin: #"{"cniVersion":"1.0.0"}"#,
                 stdout: error(7, "missing network name"), status: 1),
            Case(name: "a bad network name", environment: env.merging(["CNI_COMMAND": "ADD"]) { $1 },
                 stdin: #"{"cniVersion":"1.0.0","name":"bad name"}"#,
                 stdout: error(7, "invalid characters found in network name", "bad name"), status: 1),
            Case(name: "a bad container ID", environment: env.merging(["CNI_COMMAND": "ADD", "CNI_CONTAINERID": "a/b"]) { $1 },
                 stdin: conf("1.0.0"), stdout: error(4, "invalid characters in containerID", "a/b"), status: 1),
            Case(name: "a bad interface name", environment: env.merging(["CNI_COMMAND": "ADD", "CNI_IFNAME": "eth0:1"]) { $1 },
                 stdin: conf("1.0.0"), stdout: error(4, "interface name contains / or : or whitespace characters"), status: 1),
        ]
        return cases
    }()

    /// Runs `plugin` with stdin from a file: a plugin that fails before reading
    /// its stdin must not leave a writer to a closed pipe (SIGPIPE).
    static func run(_ plugin: String, _ c: Case, in dir: String) throws -> Harness.Output {
        let input = dir + "/stdin-\(Harness.uniqueID())"
        try c.stdin.write(toFile: input, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: plugin)
        process.environment = c.environment
        process.standardInput = FileHandle(forReadingAtPath: input)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Harness.Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                              stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// The binary as `passthru` (a link: the name is the face), in a folder of its own.
    static func withFace(_ body: (String, String) throws -> Void) throws {
        try withTemporaryDirectory("msw-passthru") { folder in
            try FileManager.default.createSymbolicLink(atPath: folder.file("passthru"), withDestinationPath: Harness.binary)
            try body(folder.file("passthru"), folder.path)
        }
    }

    static let goPassthru: String? = ProcessInfo.processInfo.environment["GO_MULTUS_BIN"].flatMap { multus in
        let dir = URL(fileURLWithPath: multus).deletingLastPathComponent().path
        return ["passthru", "passthru-cni"].map { dir + "/" + $0 }.first(where: FileManager.default.isExecutableFile)
    }

    @Test("as Go's passthru-cni", .enabled(if: FileManager.default.isExecutableFile(atPath: Harness.binary)), arguments: cases)
    func behavesAsGoPassthru(_ c: Case) throws {
        try Self.withFace { face, dir in
            let ours = try Self.run(face, c, in: dir)
            #expect(ours.stdout == c.stdout)
            #expect(ours.status == c.status)
            #expect(ours.stderr == c.stderr)
            if let go = Self.goPassthru {
                let theirs = try Self.run(go, c, in: dir)
                #expect(ours.stdout == theirs.stdout && ours.status == theirs.status && ours.stderr == theirs.stderr, "Go: \(theirs)")
            }
        }
    }
}
