import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import Synchronization
@testable import DRAClaimReader

/// kubelet's pod-resources gRPC service as a test double: HTTP/2 with prior
/// knowledge on a unix socket, answering unary calls with gRPC framing and
/// `grpc-status` trailers (or a trailers-only error), as grpc-go does.
final class FakePodResourcesServer: Sendable {
    enum Answer: Sendable {
        case message([UInt8])
        /// A trailers-only failure (`grpc-status` ≠ 0).
        case failure(code: Int, message: String)
        /// Never answers (for the client's timeout).
        case silence
    }

    struct Call: Sendable, Equatable {
        var path: String
        var contentType: String?
        var te: String?
        var body: [UInt8]
    }

    private let channel: any Channel
    private let recorder: CallRecorder

    private init(channel: any Channel, recorder: CallRecorder) {
        self.channel = channel
        self.recorder = recorder
    }

    var recordedCalls: [Call] { recorder.calls.withLock { $0 } }

    static func start(socketPath: String, answer: @escaping @Sendable (Call) -> Answer) async throws -> FakePodResourcesServer {
        let recorder = CallRecorder()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { connection in
                connection.eventLoop.makeCompletedFuture {
                    _ = try connection.pipeline.syncOperations.configureHTTP2Pipeline(
                        mode: .server, connectionConfiguration: .init(), streamConfiguration: .init()
                    ) { stream in
                        stream.eventLoop.makeCompletedFuture {
                            try stream.pipeline.syncOperations.addHandler(StreamHandler(recorder: recorder, answer: answer))
                        }
                    }
                }
            }
            .bind(unixDomainSocketPath: socketPath, cleanupExistingSocketFile: true).get()
        return FakePodResourcesServer(channel: channel, recorder: recorder)
    }

    func shutdown() async {
        try? await channel.close()
    }

    final class CallRecorder: Sendable {
        let calls = Mutex<[Call]>([])
    }

    final class StreamHandler: ChannelInboundHandler {
        typealias InboundIn = HTTP2Frame.FramePayload
        typealias OutboundOut = HTTP2Frame.FramePayload

        let recorder: CallRecorder
        let answer: @Sendable (Call) -> Answer
        var call = Call(path: "", contentType: nil, te: nil, body: [])

        init(recorder: CallRecorder, answer: @escaping @Sendable (Call) -> Answer) {
            self.recorder = recorder
            self.answer = answer
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var ended = false
            switch unwrapInboundIn(data) {
            case .headers(let frame):
                call.path = frame.headers.first(name: ":path") ?? ""
                call.contentType = frame.headers.first(name: "content-type")
                call.te = frame.headers.first(name: "te")
                ended = frame.endStream
            case .data(let frame):
                if case .byteBuffer(var buffer) = frame.data, let bytes = buffer.readBytes(length: buffer.readableBytes) {
                    call.body += bytes
                }
                ended = frame.endStream
            default:
                break
            }
            guard ended else { return }
            let call = self.call
            recorder.calls.withLock { $0.append(call) }
            switch answer(call) {
            case .silence:
                break
            case .failure(let code, let message):
                let headers = HPACKHeaders([(":status", "200"), ("content-type", "application/grpc"),
                                            ("grpc-status", String(code)), ("grpc-message", message)])
                context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: headers, endStream: true))), promise: nil)
            case .message(let bytes):
                let framed = GRPCFraming.frame(bytes)
                context.write(wrapOutboundOut(.headers(.init(headers: [":status": "200", "content-type": "application/grpc"]))), promise: nil)
                // Split in two DATA frames, as a real server may.
                let half = framed.count / 2
                for part in [Array(framed[..<half]), Array(framed[half...])] {
                    context.write(wrapOutboundOut(.data(.init(data: .byteBuffer(context.channel.allocator.buffer(bytes: part))))), promise: nil)
                }
                context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: ["grpc-status": "0"], endStream: true))), promise: nil)
            }
        }
    }
}

/// `ListPodResourcesResponse` bytes, built with the generated types.
enum PodResourcesAnswers {
    struct Container {
        var name = "app"
        var devices: [(String, [String])] = []
        var claims: [(namespace: String, name: String, devices: [(driver: String, pool: String, device: String)])] = []
    }

    static func list(_ pods: [(namespace: String, name: String, containers: [Container])]) throws -> [UInt8] {
        var response = V1_ListPodResourcesResponse()
        response.podResources = pods.map { pod in
            var resources = V1_PodResources()
            resources.namespace = pod.namespace
            resources.name = pod.name
            resources.containers = pod.containers.map { c in
                var container = V1_ContainerResources()
                container.name = c.name
                container.cpuIds = [2, 3]
                container.devices = c.devices.map { d in
                    var devices = V1_ContainerDevices()
                    devices.resourceName = d.0
                    devices.deviceIds = d.1
                    var node = V1_NUMANode()
                    node.id = 0
                    var topology = V1_TopologyInfo()
                    topology.nodes = [node]
                    devices.topology = topology
                    return devices
                }
                container.dynamicResources = c.claims.map { claim in
                    var dynamic = V1_DynamicResource()
                    dynamic.claimNamespace = claim.namespace
                    dynamic.claimName = claim.name
                    dynamic.claimResources = claim.devices.map { d in
                        var resource = V1_ClaimResource()
                        resource.driverName = d.driver
                        resource.poolName = d.pool
                        resource.deviceName = d.device
                        var cdi = V1_CDIDevice()
                        cdi.name = "\(d.driver)/vf=\(d.device)"
                        resource.cdiDevices = [cdi]
                        return resource
                    }
                    return dynamic
                }
                return container
            }
            return resources
        }
        return try response.serializedBytes()
    }
}
