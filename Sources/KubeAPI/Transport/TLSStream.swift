import CNIOBoringSSL
import SystemSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// TLS over a connected `TCPSocket`: the handshake (SNI, verification of the
/// server certificate against `verifyName`), then reads and writes, each
/// waiting in poll(2) for what BoringSSL asks for, under the deadline.
final class TLSStream: ByteStream {
    private let socket: TCPSocket
    private let ssl: OpaquePointer
    private let server: String
    private var closed = false

    /// `verifyName`: the host or IP the certificate must name (tls-server-name
    /// when set). SNI carries it unless it is an IP literal, as RFC 6066 asks.
    init(socket: TCPSocket, context: TLSContext, verifyName: String, server: String, deadline: Deadline)
        throws(TransportError)
    {
        guard let ssl = SSL_new(context.context) else { throw TransportError(.tls, "cannot create a TLS session") }
        self.socket = socket
        self.ssl = ssl
        self.server = server
        SSL_set_fd(ssl, socket.fd)
        let isIP = SocketAddress.isIPLiteral(verifyName)
        if context.verifies {
            let parameters = SSL_get0_param(ssl)
            if isIP {
                X509_VERIFY_PARAM_set1_ip_asc(parameters, verifyName)
            } else {
                X509_VERIFY_PARAM_set1_host(parameters, verifyName, verifyName.utf8.count)
            }
        }
        if !isIP { SSL_set_tlsext_host_name(ssl, verifyName) }
        _ = context.keyShares.withUnsafeBufferPointer { SSL_set1_client_key_shares(ssl, $0.baseAddress, $0.count) }
        SSL_set_connect_state(ssl)
        try handshake(deadline: deadline)
    }

    deinit {
        close()
        SSL_free(ssl)
    }

    private func handshake(deadline: Deadline) throws(TransportError) {
        while true {
            ERR_clear_error()
            let rc = SSL_do_handshake(ssl)
            if rc == 1 { return }
            try waitOrFail(rc, deadline: deadline, phase: "TLS handshake with \(server) timed out") { code throws(TransportError) in
                throw handshakeFailure(code)
            }
        }
    }

    /// After a call returned `rc`: wait for the socket when BoringSSL asks to, else fail.
    private func waitOrFail(_ rc: Int32, deadline: Deadline, phase: @autoclosure () -> String,
                       otherwise fail: (Int32) throws(TransportError) -> Void) throws(TransportError)
    {
        let code = SSL_get_error(ssl, rc)
        switch code {
        case SSL_ERROR_WANT_READ: try socket.wait(for: Int16(POLLIN), deadline: deadline, what: phase())
        case SSL_ERROR_WANT_WRITE: try socket.wait(for: Int16(POLLOUT), deadline: deadline, what: phase())
        default: try fail(code)
        }
    }

    private func handshakeFailure(_ code: Int32) -> TransportError {
        let prefix = "TLS handshake with \(server) failed"
        if code == SSL_ERROR_SYSCALL {
            let error = errno
            if error == 0 || error == ECONNRESET || error == EPIPE {
                return TransportError(.broken, "\(prefix): the server closed the connection")
            }
            return TransportError(.tls, "\(prefix): \(Errno.text(error))")
        }
        let reason = Self.reason()
        if reason == "CERTIFICATE_VERIFY_FAILED" {
            let detail = String(cString: X509_verify_cert_error_string(SSL_get_verify_result(ssl)))
            return TransportError(.tls, "\(prefix): the server certificate is not trusted (check certificate-authority "
                + "and tls-server-name): CERTIFICATE_VERIFY_FAILED (\(detail))")
        }
        return TransportError(.tls, "\(prefix): \(reason)")
    }

    /// BoringSSL's reason code of the last error ("TLSV1_ALERT_UNKNOWN_CA"), without file names.
    static func reason() -> String {
        let error = ERR_peek_last_error()
        ERR_clear_error()
        guard error != 0, let text = ERR_reason_error_string(error) else { return "unknown TLS error" }
        return String(cString: text)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(TransportError) -> Int {
        while true {
            ERR_clear_error()
            let n = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
            if n > 0 { return Int(n) }
            let code = SSL_get_error(ssl, n)
            switch code {
            case SSL_ERROR_ZERO_RETURN: return 0
            case SSL_ERROR_SYSCALL:
                // A peer that closes without close_notify: the end of the stream, as
                // HTTP framing (Content-Length, chunked) decides whether that was early.
                let error = errno
                if error == 0 { return 0 }
                throw socket.ioFailure(error)
            default:
                try waitOrFail(n, deadline: deadline, phase: "\(server) did not answer in time") { _ throws(TransportError) in
                    throw TransportError(.broken, "TLS with \(server) failed: \(Self.reason())")
                }
            }
        }
    }

    func write(_ bytes: [UInt8], deadline: Deadline) throws(TransportError) {
        var offset = 0
        while offset < bytes.count {
            ERR_clear_error()
            let n = bytes.withUnsafeBytes { SSL_write(ssl, $0.baseAddress! + offset, Int32(clamping: $0.count - offset)) }
            if n > 0 {
                offset += Int(n)
                continue
            }
            try waitOrFail(n, deadline: deadline, phase: "\(server) did not take the request in time") { code throws(TransportError) in
                if code == SSL_ERROR_SYSCALL { throw socket.ioFailure(errno == 0 ? EPIPE : errno) }
                throw TransportError(.broken, "TLS with \(server) failed: \(Self.reason())")
            }
        }
    }

    func close() {
        guard !closed else { return }
        closed = true
        // close_notify, without waiting for the peer's.
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
        socket.close()
    }
}
