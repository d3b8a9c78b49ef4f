import Testing
@testable import UnaryGRPC

@Suite("gRPC length-prefixed message framing")
struct GRPCFramingTests {
    @Test("messages split and joined; truncation, compression and an unknown flag refused; the cap holds")
    func framing() throws {
        let body = GRPCFraming.frame([1, 2, 3]) + GRPCFraming.frame([])
        #expect(body == [0, 0, 0, 0, 3, 1, 2, 3, 0, 0, 0, 0, 0])
        #expect(try GRPCFraming.messages(in: body, limit: 16) == [[1, 2, 3], []])
        #expect(throws: UnaryGRPCError.malformedMessage("the answer ends inside a gRPC message (2 of 3 bytes)")) {
            try GRPCFraming.messages(in: Array(body.prefix(7)), limit: 16)
        }
        #expect(throws: UnaryGRPCError.malformedMessage("the answer ends inside a gRPC message prefix (3 of 5 bytes)")) {
            try GRPCFraming.messages(in: [0, 0, 0], limit: 16)
        }
        #expect(throws: UnaryGRPCError.compressedMessage) { try GRPCFraming.messages(in: [1, 0, 0, 0, 0], limit: 16) }
        #expect(throws: UnaryGRPCError.malformedMessage("gRPC message flag 2 is neither 0 nor 1")) {
            try GRPCFraming.messages(in: [2, 0, 0, 0, 0], limit: 16)
        }
        #expect(throws: UnaryGRPCError.answerTooLarge(bytes: 17, limit: 16)) {
            try GRPCFraming.messages(in: [0, 0, 0, 0, 17] + [UInt8](repeating: 0, count: 17), limit: 16)
        }
    }
}
