#!/usr/bin/env python3
"""Writes the seeds that are bytes rather than text (pod-resources, hpack,
http-response) into Corpus/. Run from Fuzz/ after changing it; the output is
checked in, so `make fuzz` needs no Python."""
import os

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)

def field(number, wire, payload):
    tag = varint(number << 3 | wire)
    if wire == 0:
        return tag + varint(payload)
    if wire == 2:
        return tag + varint(len(payload)) + payload
    return tag + payload

def s(number, text):
    return field(number, 2, text.encode() if isinstance(text, str) else text)

def msg(number, *parts):
    return field(number, 2, b"".join(parts))

def write(folder, name, data):
    os.makedirs(os.path.join("Corpus", folder), exist_ok=True)
    with open(os.path.join("Corpus", folder, name), "wb") as f:
        f.write(data)

# pod-resources: ListPodResourcesResponse; the harness asks for default/pod.
device = msg(2, s(1, "intel.com/sriov"), s(2, "0000:3b:02.1"), s(2, "0000:3b:02.3"),
             msg(3, msg(1, field(1, 0, 0))))                      # topology { nodes { ID 0 } }
claim = msg(5, s(1, "sriov-class"), s(2, "pod-vf"), s(3, "default"),
            msg(4, msg(1, s(1, "k8s.example.com/vf=0000-3b-02-1")), s(2, "sriov.example.com"),
                s(3, "node-1"), s(4, "0000-3b-02-1")))
container = msg(3, s(1, "app"), device, field(3, 2, varint(1) + varint(2)),
                msg(4, s(1, "memory"), field(2, 0, 1 << 30)), claim, claim)
other = msg(1, s(1, "other"), s(2, "default"), msg(3, s(1, "c"), msg(2, s(1, "intel.com/sriov"), s(2, "x"))))
write("pod-resources", "two-pods", other + msg(1, s(1, "pod"), s(2, "default"), container))
write("pod-resources", "name-after-containers", msg(1, container, s(2, "default"), s(1, "pod")))
write("pod-resources", "unknown-fields", msg(1, s(1, "pod"), s(2, "default"), field(9, 1, b"\x01" * 8),
                                              field(10, 5, b"\x02" * 4), field(11, 0, 2**64 - 1)))
write("pod-resources", "empty", b"")
write("pod-resources", "bad-truncated", (other + msg(1, s(1, "pod"), s(2, "default"), container))[:-7])
write("pod-resources", "bad-group", msg(1, s(1, "pod"), s(2, "default")) + bytes([0x0B, 0x0C]))
write("pod-resources", "bad-varint", bytes([0x08]) + b"\xff" * 11)
deep = s(1, "x")
for _ in range(80):
    deep = msg(1, deep)
write("pod-resources", "bad-too-deep", deep)

# hpack: one byte for the block size (0xff: 256 bytes, one block per seed), then blocks.
rfc_c3 = bytes.fromhex("828684410f7777772e6578616d706c652e636f6d")          # RFC 7541 C.3.1
rfc_c4 = bytes.fromhex("828684418cf1e3c2e5f23a6ba0ab90f4ff")                 # C.4.1, Huffman
rfc_c5 = bytes.fromhex("4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d")  # C.5.1
rfc_c6 = bytes.fromhex("488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3")  # C.6.1
grpc = bytes([0x88]) + bytes([0x5f, 0x10]) + b"application/grpc" + bytes([0x00, 0x0b]) + b"grpc-status" + bytes([0x01]) + b"0"
write("hpack", "rfc7541-c3-request", b"\xff" + rfc_c3)
write("hpack", "rfc7541-c4-huffman", b"\xff" + rfc_c4)
write("hpack", "rfc7541-c5-response", b"\xff" + rfc_c5)
write("hpack", "rfc7541-c6-huffman-response", b"\xff" + rfc_c6)
write("hpack", "grpc-headers-and-trailers", b"\xff" + grpc)
write("hpack", "table-size-update", b"\xff" + bytes([0x3f, 0xe1, 0x1f, 0x20]) + rfc_c5)
write("hpack", "indexed-from-dynamic-table", bytes([len(rfc_c5) - 1]) + rfc_c5 + bytes([0xbe] * len(rfc_c5)))
write("hpack", "bad-index-zero", b"\xff\x80")
write("hpack", "bad-index-too-large", b"\xff\xff\x80\x01")
write("hpack", "bad-integer-overflow", b"\xff\x1f" + b"\xff" * 10 + b"\x7f")
write("hpack", "bad-huffman-eos", b"\xff\x00\x84\xff\xff\xff\xff\x01x")
write("hpack", "bad-size-update-too-large", b"\xff\x3f\xe1\xff\x01")
settings = bytes([0, 0, 12, 4, 0, 0, 0, 0, 0]) + bytes([0, 1, 0, 0, 16, 0, 0, 4, 0, 0, 255, 255])
headers = bytes([0, 0, len(grpc), 1, 4, 0, 0, 0, 1]) + grpc
data = bytes([0, 0, 12, 0, 8, 0, 0, 0, 1]) + b"\x03" + b"\x00\x00\x00\x00\x03abc" + b"\x00" * 3  # PADDED: 3 bytes of padding
write("hpack", "http2-frames", b"\x00" + settings + headers + data)

# http-response: one byte for the read size (plus one), one for the method (H: HEAD), then the bytes.
ok = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"kind\":\"x\"}\n"
status = (b"HTTP/1.1 404 Not Found\r\nContent-Length: 63\r\n\r\n"
          b"{\"kind\":\"Status\",\"reason\":\"NotFound\",\"code\":404,\"message\":\"x\"}\n")
chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"5;ext=1\r\nhello\r\n6 \r\n world\r\n0\r\nTrailer: x\r\n\r\n")
write("http-response", "pipelined", b"\x06G" + ok + status)
write("http-response", "chunked", b"\x00G" + chunked)
write("http-response", "continue-then-ok", b"\xffG" + b"HTTP/1.1 100 Continue\r\n\r\n" + ok)
write("http-response", "http10-to-eof", b"\x02G" + b"HTTP/1.0 200 OK\nServer: x\n\nbody until the end")
write("http-response", "head", b"\x10H" + b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"HTTP/1.1 204 No Content\r\n\r\n")
write("http-response", "watch-stream", b"\x07G" + b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      + b"".join(b"%x\r\n%s\r\n" % (len(e), e) for e in [b'{"type":"ADDED"}\n', b'{"type":"MODIFIED"}\n']))
write("http-response", "bad-version", b"\xffG" + b"HTTP/2 200\r\n\r\n")
write("http-response", "bad-content-length", b"\xffG" + b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")
write("http-response", "bad-chunk-size", b"\xffG" + b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
write("http-response", "bad-header", b"\xffG" + b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n")
write("http-response", "bad-body-over-cap", b"\xffG" + b"HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + b"x" * 2000)
write("http-response", "bad-truncated", b"\x03G" + ok[:-5])
