// kube-api-double: the Kubernetes API server double as a process, for
// `make bench` (the tests link the library directly).
//
//   kube-api-double --dir DIR [--manifests DIR] [--token TOKEN] [--http1-only]
//
// Makes a throwaway PKI in DIR/pki, seeds every *.json manifest of
// --manifests (an object, or a List of `items`), writes DIR/kubeconfig (CA
// inline, bearer token), writes DIR/port and prints `port N` once it listens.
// SIGUSR1 writes the requests seen since the previous SIGUSR1 (or the start)
// to DIR/requests.json (via a rename, so a reader never sees half a file) and
// starts counting afresh; SIGTERM/SIGINT write it once more and stop.
import CNISpec
import Foundation
import KubeAPIServerDouble

struct Options {
    var dir = ""
    var manifests: String?
    var token = "bench-token"
    var http2 = true

    init(_ arguments: [String]) {
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            switch flag {
            case "--dir": dir = rest.popFirst() ?? ""
            case "--manifests": manifests = rest.popFirst()
            case "--token": token = rest.popFirst() ?? token
            case "--http1-only": http2 = false
            default: Self.usage("unknown argument \(flag)")
            }
        }
        if dir.isEmpty { Self.usage("--dir is required") }
    }

    static func usage(_ problem: String) -> Never {
        FileHandle.standardError.write(Data("kube-api-double: \(problem)\nusage: kube-api-double --dir DIR [--manifests DIR] [--token TOKEN] [--http1-only]\n".utf8))
        exit(2)
    }
}

/// The manifests in `dir`, in file-name order; a `…List` contributes its items.
func manifests(in dir: String) throws -> [JSONValue] {
    let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".json") }.sorted()
    return try names.flatMap { name -> [JSONValue] in
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name)")))
        let value = try JSONValue(parsing: bytes)
        return value["items"]?.arrayValue ?? [value]
    }
}

/// The request log since the last dump, as JSON, then counting starts afresh.
func dumpRequests(of double: KubeAPIServerDouble, to dir: String) {
    let requests = double.requests.map { r -> JSONValue in
        var entry: JSONValue = [
            "method": .string(r.method), "path": .string(r.path), "httpVersion": .string(r.httpVersion),
            "authenticated": .bool(r.authenticated),
        ]
        entry["contentType"] = r.contentType.map(JSONValue.string) ?? .null
        entry["userAgent"] = r.userAgent.map(JSONValue.string) ?? .null
        if !r.query.isEmpty {
            entry["query"] = .object(JSONObject(r.query.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
        }
        return entry
    }
    let log: JSONValue = ["connections": .int(double.connectionCount), "requests": .array(requests)]
    double.resetCounters()
    let temporary = "\(dir)/.requests.json.tmp"
    _ = FileManager.default.createFile(atPath: temporary, contents: Data(log.pretty.utf8))
    _ = rename(temporary, "\(dir)/requests.json")
}

let options = Options(Array(CommandLine.arguments.dropFirst()))

try FileManager.default.createDirectory(atPath: options.dir, withIntermediateDirectories: true)
let pki = try KubeAPIServerDouble.makeTestPKI(in: options.dir + "/pki")
let double = try await KubeAPIServerDouble.start(pki: pki, tokens: [options.token], http2: options.http2)
if let dir = options.manifests {
    for object in try manifests(in: dir) { double.seed(object) }
}
try double.writeKubeconfig(to: options.dir + "/kubeconfig", credential: .token(options.token))
// Signals arrive through Dispatch sources (they must be ignored first, or the
// default action would end the process).
let signalQueue = DispatchQueue(label: "kube-api-double.signals")
var signalSources: [any DispatchSourceSignal] = []
for signalNumber in [SIGUSR1, SIGTERM, SIGINT] {
    signal(signalNumber, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: signalQueue)
    source.setEventHandler {
        dumpRequests(of: double, to: options.dir)
        if signalNumber != SIGUSR1 { exit(0) }
    }
    source.resume()
    signalSources.append(source)
}
try "\(double.port)\n".write(toFile: options.dir + "/port", atomically: true, encoding: .utf8)
print("port \(double.port)")
fflush(nil)  // all streams: a script may wait for this line
while true { sleep(3600) }
