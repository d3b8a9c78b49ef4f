import CNISpec
import Foundation

/// YAML through PyYAML (Yams is not a dependency of this target): each file's
/// documents as JSON, `[{"file": path, "docs": [...]}, ...]`.
func loadYAML(_ paths: [String]) throws -> [JSONValue] {
    let script = """
        import json, sys, yaml
        out = []
        for p in sys.argv[1:]:
            with open(p) as f:
                out.append({"file": p, "docs": [d for d in yaml.safe_load_all(f) if d is not None]})
        print(json.dumps(out, default=str))
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + paths
    let stdout = Pipe(), stderr = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    let errors = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw YAMLLoadError(message: "python3/PyYAML failed: \(String(decoding: errors, as: UTF8.self))")
    }
    return try JSONValue(parsing: Array(output)).arrayValue ?? []
}

struct YAMLLoadError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
