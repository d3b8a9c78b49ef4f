import Foundation
import SystemSupport

/// The built `multus-swift` next to this test bundle (or MULTUS_SWIFT_BIN).
let builtBinary: String? = {
    var candidates: [String] = []
    if let env = ProcessInfo.processInfo.environment["MULTUS_SWIFT_BIN"] { candidates.append(env) }
    candidates.append(Paths.directory(of: CommandLine.arguments[0]) + "/multus-swift")
    candidates += [".build/debug/multus-swift"].map { packageRoot + "/" + $0 }
    return candidates.first { FileSystem.isExecutableFile($0) }
}()

/// The binary tests run the faces outside an image: install_multus and
/// thin_entrypoint then install this executable, unless the machine has Go's
/// image folder, whose files they would take instead.
let canRunFaces = builtBinary != nil && !FileSystem.exists("/usr/src/multus-cni/bin")

/// One run of a face to its end: exit status and what it printed.
struct FaceRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

func runFace(_ argv0: String, _ arguments: [String], environment: [String: String] = [:], stdin: String = "") throws -> FaceRun {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: argv0)
    process.arguments = arguments
    process.environment = environment
    let input = Pipe(), output = Pipe(), errors = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    input.fileHandleForWriting.write(Data(stdin.utf8))
    try input.fileHandleForWriting.close()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return FaceRun(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                   stderr: String(decoding: err, as: UTF8.self))
}
