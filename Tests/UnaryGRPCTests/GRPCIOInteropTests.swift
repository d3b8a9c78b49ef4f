import Foundation
import ProtobufWire
import struct TestSupport.TemporaryDirectory
import Testing
@testable import UnaryGRPC

/// The client against a real gRPC server: Python's grpcio (its C core does
/// the HTTP/2, HPACK with Huffman and dynamic table, and flow control) serving
/// podresources-shaped methods with a generic handler, bytes in and out.
@Suite(.enabled(if: GRPCIOServer.python != nil,
                "grpcio is missing: `python3 -c 'import grpc'` fails (scripts/install-deps.sh installs python3-grpcio)"),
       .serialized)
struct GRPCIOInteropTests {
    /// A `ListPodResourcesResponse` with one pod and one device (field numbers
    /// from kubelet's podresources v1 api.proto).
    static func listResponse(devices: Int = 1) -> [UInt8] {
        var w = ProtobufWriter()
        w.message(1) { pod in                 // pod_resources
            pod.string(1, "web")              // name
            pod.string(2, "apps")             // namespace
            pod.message(3) { c in             // containers
                c.string(1, "app")
                for i in 0..<devices {
                    c.message(2) { d in       // devices
                        d.string(1, "intel.com/sriov")
                        d.string(2, "0000:3b:02.\(i)")
                    }
                }
            }
        }
        return w.bytes
    }

    @Test("List: the request is empty, the answer is the server's bytes")
    func list() throws {
        try GRPCIOServer.with { server in
            let answer = try server.call("List").call([])
            #expect(answer == Self.listResponse())
        }
    }

    @Test("a 3 MiB answer and a 3 MiB request cross grpcio's flow control")
    func largeMessages() throws {
        try GRPCIOServer.with { server in
            let big = try server.call("Big").call([])
            #expect(big.count == 3 << 20 && big.prefix(4) == [0, 1, 2, 3])
            let request = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 / 7) }
            let echoed = try server.call("Echo").call(request)
            #expect(echoed == request)
        }
    }

    @Test("an abort's status and its percent-encoded non-ASCII message")
    func abort() throws {
        try GRPCIOServer.with { server in
            #expect(throws: UnaryGRPCError.status(code: 5, message: "pod «web» not found: 100%")) { try server.call("Fail").call([]) }
            #expect(throws: UnaryGRPCError.status(code: 12, message: "Method not found!")) { try server.call("Missing").call([]) }
        }
    }

    @Test("a handler slower than the deadline: the server learns it from grpc-timeout, the call ends at it")
    func slowHandler() throws {
        try GRPCIOServer.with { server in
            let start = Date()
            let error = #expect(throws: UnaryGRPCError.self) { try server.call("Slow", timeout: .milliseconds(400)).call([]) }
            let elapsed = Date().timeIntervalSince(start)
            #expect(elapsed >= 0.35 && elapsed < 1.2, "\(elapsed) s")
            // Whoever notices first: grpcio answers DEADLINE_EXCEEDED, or our own poll times out.
            switch error {
            case .status(code: 4, _)?, .deadlineExceeded(milliseconds: 400, _)?: break
            default: Issue.record("unexpected \(String(describing: error))")
            }
        }
    }

    @Test("an answer over the cap is refused")
    func cap() throws {
        try GRPCIOServer.with { server in
            #expect(throws: UnaryGRPCError.answerTooLarge(bytes: 3 << 20, limit: 1 << 20)) {
                try server.call("Big", maxAnswerBytes: 1 << 20).call([])
            }
        }
    }
}

enum GRPCIOServer {
    static let python: String? = {
        for candidate in ["/usr/bin/python3", "/usr/local/bin/python3"] where FileManager.default.isExecutableFile(atPath: candidate) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: candidate)
            p.arguments = ["-c", "import grpc"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { continue }
            p.waitUntilExit()
            if p.terminationStatus == 0 { return candidate }
        }
        return nil
    }()

    static let script = """
    import sys, time
    from concurrent import futures
    import grpc

    socket_path, answer_path = sys.argv[1], sys.argv[2]
    answer = open(answer_path, 'rb').read()

    def list_(request, context):
        if request != b'':
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, 'expected an empty ListPodResourcesRequest')
        return answer

    def big(request, context):
        return bytes(i % 256 for i in range(3 << 20))

    def echo(request, context):
        return request

    def fail(request, context):
        context.abort(grpc.StatusCode.NOT_FOUND, 'pod \\u00abweb\\u00bb not found: 100%')

    def slow(request, context):
        time.sleep(1.5)
        return b''

    # No (de)serializers: handlers get and return bytes.
    handlers = {name: grpc.unary_unary_rpc_method_handler(f)
                for name, f in [('List', list_), ('Big', big), ('Echo', echo), ('Fail', fail), ('Slow', slow)]}
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4),
                         options=[('grpc.max_receive_message_length', 8 << 20)])
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler('v1.PodResourcesLister', handlers),))
    server.add_insecure_port('unix:' + socket_path)
    server.start()
    print('ready', flush=True)
    sys.stdin.read()   # until the test closes our stdin
    server.stop(0)
    """

    struct Running {
        let socket: String
        func call(_ method: String, timeout: Duration = .seconds(10), maxAnswerBytes: Int = UnaryGRPCCall.defaultMaxAnswerBytes) -> UnaryGRPCCall {
            UnaryGRPCCall(socketPath: socket, method: "/v1.PodResourcesLister/\(method)", timeout: timeout, maxAnswerBytes: maxAnswerBytes)
        }
    }

    /// Starts the server, runs `body`, stops the server (by closing its stdin, then by its PID).
    static func with(_ body: (Running) throws -> Void) throws {
        let folder = TemporaryDirectory("grpcio")
        defer { folder.remove() }
        let dir = folder.path
        try script.write(toFile: dir + "/server.py", atomically: true, encoding: .utf8)
        try Data(GRPCIOInteropTests.listResponse()).write(to: URL(fileURLWithPath: dir + "/answer.bin"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python!)
        process.arguments = [dir + "/server.py", dir + "/grpc.sock", dir + "/answer.bin"]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        defer {
            try? stdin.fileHandleForWriting.close()
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        let line = stdout.fileHandleForReading.availableData
        guard String(decoding: line, as: UTF8.self).hasPrefix("ready") else {
            throw PeerError("the grpcio server did not start: \(String(decoding: line, as: UTF8.self))")
        }
        try body(Running(socket: dir + "/grpc.sock"))
    }
}
