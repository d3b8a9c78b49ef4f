import Foundation

/// A throwaway PKI for one test run, made with the `openssl` CLI: a CA, a
/// server certificate (by default for 127.0.0.1 / ::1 / localhost), and a client
/// certificate (`CN=system:multus`, `O=system:nodes`), all EC P-256, valid for
/// two days. Paths are files in the folder given to `makeTestPKI`.
package struct TestPKI: Sendable {
    package var directory: String
    package var caCertificatePath: String
    package var caKeyPath: String
    package var serverCertificatePath: String
    package var serverKeyPath: String
    package var clientCertificatePath: String
    package var clientKeyPath: String

    package var caCertificatePEM: [UInt8] { Self.bytes(caCertificatePath) }
    package var clientCertificatePEM: [UInt8] { Self.bytes(clientCertificatePath) }
    package var clientKeyPEM: [UInt8] { Self.bytes(clientKeyPath) }

    static func bytes(_ path: String) -> [UInt8] {
        (FileManager.default.contents(atPath: path)).map { [UInt8]($0) } ?? []
    }
}

package struct OpenSSLError: Error, CustomStringConvertible {
    package var arguments: [String]
    package var output: String
    package var description: String { "openssl \(arguments.joined(separator: " ")) failed: \(output)" }
}

extension KubeAPIServerDouble {
    package static let defaultServerNames = ["IP:127.0.0.1", "IP:::1", "DNS:localhost", "DNS:kubernetes.default.svc"]

    /// Creates the PKI in `dir` (created if needed). Each call makes a new CA,
    /// so two PKIs never trust each other. `serverNames` are the server
    /// certificate's subjectAltName entries (`IP:…`, `DNS:…`).
    package static func makeTestPKI(in dir: String, serverNames: [String] = defaultServerNames) throws -> TestPKI {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let pki = TestPKI(
            directory: dir,
            caCertificatePath: "\(dir)/ca.crt", caKeyPath: "\(dir)/ca.key",
            serverCertificatePath: "\(dir)/server.crt", serverKeyPath: "\(dir)/server.key",
            clientCertificatePath: "\(dir)/client.crt", clientKeyPath: "\(dir)/client.key")
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(["req", "-x509"] + ec + [
            "-keyout", pki.caKeyPath, "-out", pki.caCertificatePath, "-days", "2",
            "-subj", "/CN=kube-api-double-ca-\(UInt32.random(in: 0...UInt32.max))",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        try issue(pki: pki, name: "server", subject: "/CN=kube-apiserver",
                  extensions: "subjectAltName=\(serverNames.joined(separator: ","))\n"
                      + "extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n",
                  certificate: pki.serverCertificatePath, key: pki.serverKeyPath, ec: ec)
        try issue(pki: pki, name: "client", subject: "/O=system:nodes/CN=system:multus",
                  extensions: "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n",
                  certificate: pki.clientCertificatePath, key: pki.clientKeyPath, ec: ec)
        return pki
    }

    private static func issue(pki: TestPKI, name: String, subject: String, extensions: String,
                              certificate: String, key: String, ec: [String]) throws {
        let csr = "\(pki.directory)/\(name).csr"
        let ext = "\(pki.directory)/\(name).ext"
        try extensions.write(toFile: ext, atomically: true, encoding: .utf8)
        try openssl(["req"] + ec + ["-keyout", key, "-out", csr, "-subj", subject])
        try openssl([
            "x509", "-req", "-in", csr, "-CA", pki.caCertificatePath, "-CAkey", pki.caKeyPath,
            "-set_serial", String(UInt32.random(in: 1...UInt32.max)), "-days", "2", "-out", certificate,
            "-extfile", ext,
        ])
    }

    static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OpenSSLError(arguments: arguments, output: String(decoding: output, as: UTF8.self))
        }
    }
}
