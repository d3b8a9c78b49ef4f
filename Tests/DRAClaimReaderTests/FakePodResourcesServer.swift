import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import ProtobufWire
import Synchronization
import UnaryGRPC
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

/// `ListPodResourcesResponse` bytes, written field by field as kubelet's Go
/// code writes them (field numbers from podresources v1 api.proto), with the
/// fields multus-swift does not read (cpu_ids, topology, cdi_devices) present,
/// so that the decoder must skip them.
enum PodResourcesAnswers {
    struct Container {
        var name = "app"
        var devices: [(String, [String])] = []
        var claims: [(namespace: String, name: String, devices: [(driver: String, pool: String, device: String)])] = []
    }

    static func list(_ pods: [(namespace: String, name: String, containers: [Container])]) throws -> [UInt8] {
        var response = ProtobufWriter()
        for pod in pods {
            response.message(1) { resources in                    // pod_resources
                resources.string(1, pod.name)                      // name
                resources.string(2, pod.namespace)                 // namespace
                for c in pod.containers {
                    resources.message(3) { container in            // containers
                        container.string(1, c.name)                // name
                        for d in c.devices {
                            container.message(2) { devices in      // devices
                                devices.string(1, d.0)             // resource_name
                                for id in d.1 { devices.string(2, id) }  // device_ids
                                devices.message(3) { topology in   // topology
                                    topology.message(1) { $0.int64(1, 0) }  // nodes { ID }
                                }
                            }
                        }
                        container.packedVarints(3, [2, 3])         // cpu_ids
                        for claim in c.claims {
                            container.message(5) { dynamic in      // dynamic_resources
                                dynamic.string(2, claim.name)      // claim_name
                                dynamic.string(3, claim.namespace) // claim_namespace
                                for d in claim.devices {
                                    dynamic.message(4) { resource in               // claim_resources
                                        resource.message(1) { $0.string(1, "\(d.driver)/vf=\(d.device)") }  // cdi_devices
                                        resource.string(2, d.driver)               // driver_name
                                        resource.string(3, d.pool)                 // pool_name
                                        resource.string(4, d.device)               // device_name
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return response.bytes
    }
}
