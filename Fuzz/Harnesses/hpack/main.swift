import FuzzSupport
@testable import UnaryGRPC

// HPACK and HTTP/2 framing see whatever answers on kubelet's pod-resources
// socket. Input: one byte for the size of each header block, then the blocks,
// decoded in order by one decoder (they share its dynamic table). The table
// never outgrows its limit; the headers we decode, encoded by our encoder,
// decode the same; the bytes Huffman-encoded decode the same. The input is
// also read as a sequence of HTTP/2 frames.
fuzz { input in
    var input = FuzzInput(input)
    let blockSize = Int(input.byte()) + 1
    var decoder = HPACKDecoder(maxTableSize: 4096, maxHeaderListSize: 16_384)
    var rest = input.rest
    while !rest.isEmpty {
        let block = Array(rest.prefix(blockSize))
        rest = rest.dropFirst(blockSize)
        guard let headers = try? decoder.decode(block) else { break }
        check(decoder.tableSize <= decoder.maxTableSize, "table of \(decoder.tableSize) bytes, over \(decoder.maxTableSize)")
        var fresh = HPACKDecoder()
        let again = try? fresh.decode(HPACKEncoder.block(headers))
        check(again.map { $0.map(\.name) == headers.map(\.name) && $0.map(\.value) == headers.map(\.value) } == true,
              "\(headers) encoded and decoded is \(again.map { "\($0)" } ?? "an error")")
    }

    let bytes = Array(input.rest)
    let decoded = try? Huffman.decode(Huffman.encode(bytes)[...])
    check(decoded == bytes, "Huffman round trip of \(bytes) gives \(decoded.map { "\($0)" } ?? "an error")")
    _ = try? Huffman.decode(input.rest)

    var buffer = bytes
    while let frame = try? HTTP2Frame.parse(&buffer, maxFrameSize: 16_384) {
        _ = try? frame.unpaddedPayload()
        check(frame.encoded().count <= 9 + 16_384, "a frame over the size limit")
    }
}
