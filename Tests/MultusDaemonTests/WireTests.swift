import CNISpec
import Logging
import SystemSupport
import Synchronization
import TestSupport
import Testing
@testable import MultusDaemon
#if canImport(Glibc)
import Glibc
#endif

func socketPair() -> (StreamSocket, StreamSocket) {
    var fds: [Int32] = [-1, -1]
    precondition(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
    return (StreamSocket(fd: fds[0]), StreamSocket(fd: fds[1]))
}

func soon() -> Duration { SystemTime().now + .seconds(5) }

@Suite struct HTTPWireTests {
    @Test func aRequestWithContentLength() throws {
        let (a, b) = socketPair()
        defer { a.close(); b.close() }
        try a.send(Array("POST /cni?x=1 HTTP/1.1\r\nHost: dummy\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}".utf8), until: soon())
        let request = try HTTPWire.readRequest(b, until: soon(), maximumBody: 100)
        #expect(request.method == "POST")
        #expect(request.path == "/cni")
        #expect(String(decoding: request.body, as: UTF8.self) == #"{"a":1}"#)
    }

    /// Go's server chunks an answer past its 2 KiB buffer.
    @Test func aChunkedResponseAsGoWritesIt() throws {
        let (a, b) = socketPair()
        defer { b.close() }
        try a.send(Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n".utf8), until: soon())
        a.close()
        let response = try HTTPWire.readResponse(b, until: soon(), maximumBody: 100)
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "hello world")
    }

    @Test func aBodyPastTheLimitIsRefused() throws {
        let (a, b) = socketPair()
        defer { a.close(); b.close() }
        try a.send(Array("POST /cni HTTP/1.1\r\nContent-Length: 1000\r\n\r\n".utf8), until: soon())
        #expect(throws: SocketError.self) { try HTTPWire.readRequest(b, until: soon(), maximumBody: 100) }
    }
}

/// The shim against a daemon that answers as Go's daemon does.
@Suite struct ShimProtocolTests {
    func withDaemon(_ answer: @escaping @Sendable (HTTPWire.Request) -> CNIServer.Answer,
                    _ body: (String) throws -> Void) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let listener = try StreamSocket.listen(unixPath: dir.file("multus.sock"))
        let server = SocketServer(listener: listener, name: "test", logger: Logger(label: "test"), handle: answer)
        #expect(server.start())
        defer { server.stop() }
        try body(dir.path)
    }

    func env(_ command: String) -> ProcessEnvironment {
        ProcessEnvironment(entries: ["CNI_COMMAND=\(command)", "CNI_CONTAINERID=c1", "CNI_NETNS=/var/run/netns/x",
                                     "CNI_IFNAME=eth0", "CNI_PATH=/opt/cni/bin", "CNI_ARGS=K8S_POD_NAMESPACE=a;K8S_POD_NAME=b"])
    }

    @Test func addSendsTheWholeRequestAndPrintsTheResultInTheConfigsVersion() throws {
        let seen = Mutex<JSONValue?>(nil)
        try withDaemon({ request in
            seen.withLock { $0 = try? JSONValue(parsing: request.body) }
            let result: JSONValue = ["cniVersion": "1.0.0", "interfaces": [["name": "eth0", "sandbox": "/var/run/netns/x"]],
                                     "ips": [["address": "10.1.2.3/24", "interface": 0]]]
            return CNIServer.Answer(status: 200, contentType: "application/json", body: (["Result": result] as JSONValue).serializedBytes)
        }) { dir in
            let config = #"{"cniVersion":"0.3.1","name":"multus-cni-network","type":"multus-shim","daemonSocketDir":"\#(dir)"}"#
            let outcome = MultusShim.run(environment: env("ADD")) { Array(config.utf8) }
            #expect(outcome.exitStatus == 0, "\(outcome.stdout)")
            let printed = try JSONValue(parsing: Array(outcome.stdout.utf8))
            #expect(printed["cniVersion"] == "0.3.1")
            #expect(printed["ips"]?.arrayValue?.first?["version"] == "4")
            let request = try #require(seen.withLock { $0 })
            #expect(request["env"]?["CNI_COMMAND"] == "ADD")
            #expect(request["env"]?["CNI_ARGS"] == "K8S_POD_NAMESPACE=a;K8S_POD_NAME=b")
            #expect(request["config"]?.stringValue.flatMap(Base64.decode) == Array(config.utf8))
        }
    }

    @Test func aDaemonErrorIsTheShimsCNIError() throws {
        try withDaemon({ _ in
            CNIServer.Answer(status: 400, contentType: "application/json", body: Array(#"{"code":7,"msg":"bad NAD","details":"d"}"#.utf8))
        }) { dir in
            let config = #"{"cniVersion":"1.0.0","name":"n","type":"multus-shim","daemonSocketDir":"\#(dir)"}"#
            let outcome = MultusShim.run(environment: env("ADD")) { Array(config.utf8) }
            #expect(outcome.exitStatus == 1)
            let error = try JSONValue(parsing: Array(outcome.stdout.utf8))
            #expect(error["code"] == 7)
            #expect(error["msg"] == "CmdAdd (shim): bad NAD")
            #expect(error["cniVersion"] == "1.0.0")
        }
    }

    @Test func delSucceedsWithAnEmptyAnswer() throws {
        try withDaemon({ _ in CNIServer.Answer(status: 200, contentType: "application/json", body: []) }) { dir in
            let config = #"{"cniVersion":"1.0.0","name":"n","type":"multus-shim","daemonSocketDir":"\#(dir)"}"#
            let outcome = MultusShim.run(environment: env("DEL")) { Array(config.utf8) }
            #expect(outcome == .init(stdout: "", exitStatus: 0))
        }
    }
}

@Suite struct StreamSocketTests {
    /// A daemon that is alive but no longer accepting (its queue full): the
    /// shim's connect gives up at its timeout instead of blocking for good.
    @Test func connectingToAFullQueueGivesUpAtTheTimeout() throws {
        try withTemporaryDirectory { dir in
            let path = dir.path + "/daemon.sock"
            let listener = try StreamSocket.listen(unixPath: path, backlog: 0)
            let queued = try StreamSocket.connect(unixPath: path, timeout: .seconds(1))  // the one the queue holds
            defer { queued.close() }
            let outcome = Mutex<Result<Duration, SocketError>?>(nil)
            let started = Threads.detach {
                let clock = SystemTime()
                let begun = clock.now
                let result: Result<Duration, SocketError>
                do throws(SocketError) {
                    try StreamSocket.connect(unixPath: path, timeout: .milliseconds(300)).close()
                    result = .success(clock.now - begun)
                } catch {
                    result = .failure(error)
                }
                outcome.withLock { $0 = result }
            }
            try #require(started)
            let clock = SystemTime()
            let giveUp = clock.now + .seconds(10)
            while outcome.withLock({ $0 }) == nil && clock.now < giveUp { clock.sleep(for: .milliseconds(20)) }
            let blocked = outcome.withLock { $0 } == nil
            listener.close()  // ends a connect that blocked (the failure this test is for)
            #expect(!blocked, "connect to a full queue was still blocked after 10 s")
            if case .success(let took)? = outcome.withLock({ $0 }) { Issue.record("connect succeeded after \(took)") }
        }
    }
}
