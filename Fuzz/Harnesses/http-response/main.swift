import FuzzSupport
@testable import KubeAPI
import SystemSupport

// The HTTP/1.1 reader sees whatever answers on the API server's address.
// Input: one byte for how many bytes the stream hands out per read (plus
// one), one for the method (`H` for HEAD, anything else GET), then the
// server's bytes. Responses are read one after another (pipelining) until an
// error or the end. A body is never larger than the cap, and the responses
// and the error must not depend on how the bytes were cut into reads.
final class ScriptedStream: ByteStream {
    var bytes: ArraySlice<UInt8>
    let step: Int
    init(_ bytes: ArraySlice<UInt8>, step: Int) { (self.bytes, self.step) = (bytes, step) }

    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(TransportError) -> Int {
        let n = min(step, buffer.count, bytes.count)
        bytes.prefix(n).withUnsafeBytes { buffer.copyMemory(from: $0) }
        bytes = bytes.dropFirst(n)
        return n
    }
    func write(_ bytes: [UInt8], deadline: Deadline) throws(TransportError) {}
    func close() {}
}

let maximumBody = 1024

func responses(_ bytes: ArraySlice<UInt8>, step: Int, method: String) -> (responses: [HTTPResponse], error: String) {
    var reader = HTTPResponseReader(stream: ScriptedStream(bytes, step: step), server: "fuzz")
    var result: [HTTPResponse] = []
    while result.count < 100 {
        do {
            let response = try reader.readResponse(method: method, maximumBody: maximumBody, deadline: .after(.seconds(60)))
            check(response.body.count <= maximumBody, "a body of \(response.body.count) bytes, over the cap")
            let hasBody = method != "HEAD" && response.status != 204 && response.status != 304
            if hasBody, let length = response.head.header("Content-Length"), !response.head.isChunked, let n = Int(length) {
                check(response.body.count == n, "Content-Length \(n) but \(response.body.count) bytes")
            }
            result.append(response)
        } catch {
            return (result, "\(error)")
        }
    }
    return (result, "")
}

fuzz { input in
    var input = FuzzInput(input)
    let step = Int(input.byte()) + 1
    let method = input.byte() == UInt8(ascii: "H") ? "HEAD" : "GET"
    let cut = responses(input.rest, step: step, method: method)
    let whole = responses(input.rest, step: Int.max, method: method)
    check(cut.responses == whole.responses && cut.error == whole.error,
          "reads of \(step) bytes give \(cut), one read gives \(whole)")
}
