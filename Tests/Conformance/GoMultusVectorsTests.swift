import CNISpec
import Foundation
import KubeAPIServerDouble
import struct TestSupport.TemporaryDirectory
import Testing

/// Go Multus's own unit-test vectors (pkg/multus, pkg/k8sclient, pkg/types,
/// pkg/netutils), rewritten as data in GoMultusVectors/ and run end to end
/// through the built binary with a recording delegate, a real network
/// namespace and the API server double.
///
/// `GO_MULTUS_BIN=/path/to/multus` runs the same cases through Go Multus's
/// thin plugin instead (each step's `go` block replaces what differs on
/// purpose), which is how the expectations were checked against Go.
/// `VECTORS_FILTER=<substring>` runs only the cases whose id contains it.
@Suite(.enabled(if: Harness.isRoot && FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"),
                "needs root (network namespaces) and openssl (the API server double's certificates)"))
struct GoMultusVectorsTests {
    static let goBinary = ProcessInfo.processInfo.environment["GO_MULTUS_BIN"]

    @Test func goMultusUnitTestVectorsEndToEnd() async throws {
        let environment = ProcessInfo.processInfo.environment
        let cases = try GoMultusVectorCase.loadAll().filter { c in
            environment["VECTORS_FILTER"].map { c.id.contains($0) } ?? true
        }
        let goBinary = Self.goBinary
        let pkiDir = TemporaryDirectory("msw-vec-pki")
        defer { pkiDir.remove() }
        let pki = try KubeAPIServerDouble.makeTestPKI(in: pkiDir.path)
        var failed: [String] = []
        var ran = 0
        var slow: [(String, Duration)] = []
        let clock = ContinuousClock()
        for vector in cases {
            if goBinary != nil, vector.goSkip != nil { continue }
            if vector.json["realPlugins"] != nil, !Harness.pluginsInstalled { continue }
            ran += 1
            let run = GoMultusVectorRun(vector: vector, binary: goBinary ?? Harness.binary, goMode: goBinary != nil, pki: pki)
            var failures: [String]
            let start = clock.now
            do { failures = try await run.run() } catch { failures = ["could not run: \(error)"] }
            await run.cleanup()
            slow.append((vector.id, clock.now - start))
            if !failures.isEmpty { failed.append(vector.id) }
            let report = {
                for failure in failures { Issue.record(Comment(rawValue: "\(vector): \(failure)")) }
            }
            if let issue = vector.knownIssue, goBinary == nil {
                withKnownIssue(Comment(rawValue: "\(vector.id): \(issue)"), report)
            } else {
                report()
            }
        }
        let known = cases.filter { $0.knownIssue != nil }.count
        let better = cases.filter { $0.knownIssue == nil && ($0.better != nil || $0.unlisted != nil) }.count
        print("Go Multus vectors through \(goBinary ?? Harness.binary): \(ran) run, \(ran - failed.count) as expected"
              + (goBinary == nil ? " (\(known) known issues, \(better) deliberate differences)" : "")
              + (failed.isEmpty ? "" : "; not as expected: \(failed.joined(separator: ", "))")
              + "; slowest: " + slow.sorted { $0.1 > $1.1 }.prefix(5).map { "\($0.0) \($0.1)" }.joined(separator: ", "))
    }

    /// Every case names its upstream test; ids are unique. With GO_MULTUS_SRC
    /// (a checkout or bare mirror of multus-cni) each named It/Entry must exist there.
    @Test func everyVectorNamesItsUpstreamTest() throws {
        let cases = try GoMultusVectorCase.loadAll()
        #expect(!cases.isEmpty)
        #expect(Set(cases.map(\.id)).count == cases.count, "duplicate case ids")
        for c in cases {
            #expect(c.upstreamFile.hasSuffix("_test.go"), "\(c.id): upstream file")
        }
        guard let source = ProcessInfo.processInfo.environment["GO_MULTUS_SRC"] else { return }
        var texts: [String: String] = [:]
        for c in cases {
            if texts[c.upstreamFile] == nil { texts[c.upstreamFile] = try Self.upstreamText(source, c.upstreamFile) }
            // As a Go string literal: quotes and backslashes escaped.
            let it = (c.json["it"]?.stringValue ?? "").replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"")
            let text = texts[c.upstreamFile] ?? ""
            #expect(text.contains("It(\"\(it)\"") || text.contains("Entry(\"\(it)\""), "\(c.id): no It/Entry \(it.debugDescription) in \(c.upstreamFile)")
        }
    }

    static func upstreamText(_ source: String, _ file: String) throws -> String {
        if FileManager.default.fileExists(atPath: source + "/" + file) {
            return try String(contentsOfFile: source + "/" + file, encoding: .utf8)
        }
        let commit = ProcessInfo.processInfo.environment["GO_MULTUS_COMMIT"] ?? "HEAD"
        return try Harness.run("/usr/bin/git", ["--git-dir=\(source)", "show", "\(commit):\(file)"]).stdout
    }
}
