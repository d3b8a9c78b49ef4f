import CNISpec
import Foundation

/// One behaviour of Go Multus, as data (`GoMultusVectors/*.json`), taken from
/// one of its unit tests. A file holds `{"upstream": "<Go test file>", "cases": [...]}`;
/// each case names the Ginkgo `Describe`/`It` it comes from and describes the
/// cluster, the configuration, the delegates' answers and the CNI calls with
/// what each must produce. The format is described in GoMultusVectors/README.md.
struct GoMultusVectorCase: Sendable, CustomStringConvertible {
    /// `<file without .json>/<case id>`.
    var id: String
    /// The upstream test file, e.g. `pkg/multus/multus_cni040_test.go`.
    var upstreamFile: String
    /// The Ginkgo path: `Describe › Context › It`.
    var upstreamTest: String
    /// multus-swift differs from Go here and Go is right: the case expects Go's
    /// behaviour and runs inside `withKnownIssue` until the code is fixed.
    var knownIssue: String?
    /// multus-swift differs on purpose (a **better** item of COMPAT.md): `expect`
    /// is ours, the step's `go` block is Go's.
    var better: String?
    /// multus-swift differs on purpose in a way COMPAT.md does not list yet
    /// (why ours is right is said here): like `better`.
    var unlisted: String?
    /// The case cannot run against the Go binary (say why).
    var goSkip: String?
    var json: JSONValue

    var description: String { "\(id) (\(upstreamFile): \(upstreamTest))" }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("GoMultusVectors").path

    static func loadAll() throws -> [GoMultusVectorCase] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        return try files.flatMap { file -> [GoMultusVectorCase] in
            let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            let document: JSONValue
            do { document = try JSONValue(parsing: text) } catch { throw HarnessError("\(file): \(error)") }
            guard let upstream = document["upstream"]?.stringValue, let cases = document["cases"]?.arrayValue else {
                throw HarnessError("\(file): needs \"upstream\" and \"cases\"")
            }
            let stem = String(file.dropLast(".json".count))
            return try cases.map { c in
                guard let id = c["id"]?.stringValue, let it = c["it"]?.stringValue, c["steps"]?.arrayValue != nil else {
                    throw HarnessError("\(file): every case needs \"id\", \"it\" and \"steps\": \(c.serialized.prefix(200))")
                }
                let path = [c["describe"]?.stringValue, c["context"]?.stringValue, "It(\"\(it)\")"].compactMap { $0 }
                return GoMultusVectorCase(id: "\(stem)/\(id)", upstreamFile: c["upstreamFile"]?.stringValue ?? upstream,
                                          upstreamTest: path.joined(separator: " › "),
                                          knownIssue: c["knownIssue"]?.stringValue, better: c["better"]?.stringValue,
                                          unlisted: c["unlisted"]?.stringValue,
                                          goSkip: c["goSkip"]?.stringValue, json: c)
            }
        }
    }

    /// The case with `${…}` placeholders replaced (paths are JSON-safe).
    func resolved(_ placeholders: [String: String]) throws -> JSONValue {
        var text = json.serialized
        for (key, value) in placeholders { text = text.replacingOccurrences(of: "${\(key)}", with: value) }
        if let unknown = text.range(of: #"\$\{[A-Z_]+\}"#, options: .regularExpression) {
            throw HarnessError("\(id): unknown placeholder \(text[unknown])")
        }
        return try JSONValue(parsing: text)
    }
}
