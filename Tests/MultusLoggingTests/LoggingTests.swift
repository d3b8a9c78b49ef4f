import CNISpec
import Dispatch
import Glibc
import Logging
import SystemSupport
import TestSupport
import Testing
@testable import MultusLogging

@Suite struct LoggingTests {
    /// `<RFC3339> [<level>] <message>\n`, Go's RFC3339: `Z` or `±hh:mm`.
    static var lineFormat: Regex<(Substring, Substring, Substring, Substring)> {
        #/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2}) \[(panic|error|verbose|debug)\] (.*)\n$/#
    }

    private func logger(_ level: MultusLogLevel, file: String? = nil, stderr: Bool = true,
                        options: LogOptions = LogOptions(), sink: CapturingLogSink = CapturingLogSink()) -> Logger {
        MultusLogging.makeLogger(
            settings: LogSettings(logFile: file, logLevel: level, logToStderr: stderr, logOptions: options),
            label: "test", standardError: sink)
    }

    // MARK: line format

    @Test func logLineHasMultusFormat() throws {
        let sink = CapturingLogSink()
        logger(.verbose, sink: sink).info("ADD starting...")
        #expect(sink.lines.count == 1)
        let match = try #require(sink.lines.first?.wholeMatch(of: Self.lineFormat))
        #expect(match.output.2 == "verbose")
        #expect(match.output.3 == "ADD starting...")
        #expect(MultusLogHandler.line(time: "2026-11-23T08:52:45Z", level: .verbose, message: "ADD starting...")
            == "2026-11-23T08:52:45Z [verbose] ADD starting...\n")
    }

    @Test func timestampIsCurrentLocalTimeInRFC3339() throws {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        localtime_r(&seconds, &parts)
        let stamp = WallClock(seconds: Int(now.tv_sec)).rfc3339Local
        let year = String(Int(parts.tm_year) + 1900)
        #expect(stamp.hasPrefix(year + "-"))
        #expect(stamp.contains(#/T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/#))
        if parts.tm_gmtoff == 0 { #expect(stamp.hasSuffix("Z")) }
    }

    @Test func backupStampIsLumberjacks() {
        let time = WallClock(seconds: 1_795_423_965, nanoseconds: 123_456_789)
        #expect(time.backupStamp == "2026-11-23T08-52-45.123")
        #expect(WallClock(backupStamp: "2026-11-23T08-52-45.123")?.unixMilliseconds == 1_795_423_965_123)
        #expect(WallClock(backupStamp: "2026-11-23T08:52:45.123") == nil)
        #expect(WallClock(backupStamp: "2026-11-23T08-52-45") == nil)
    }

    // MARK: levels

    @Test func swiftLogLevelsPrintAsMultusLevels() {
        let sink = CapturingLogSink()
        let log = logger(.debug, sink: sink)
        log.critical("c"); log.error("e"); log.warning("w"); log.notice("n")
        log.info("i"); log.debug("d"); log.trace("t")
        let words = sink.lines.compactMap { $0.wholeMatch(of: Self.lineFormat).map { "\($0.output.3)=\($0.output.2)" } }
        #expect(words == ["c=panic", "e=error", "w=verbose", "n=verbose", "i=verbose", "d=debug", "t=debug"])
    }

    @Test(arguments: [
        (MultusLogLevel.panic, ["critical"]),
        (.error, ["critical", "error"]),
        (.verbose, ["critical", "error", "warning", "info"]),
        (.debug, ["critical", "error", "warning", "info", "debug", "trace"]),
    ])
    func thresholdLetsThroughItsLevelAndLessVerboseOnes(level: MultusLogLevel, expected: [String]) {
        let sink = CapturingLogSink()
        let log = logger(level, sink: sink)
        log.critical("critical"); log.error("error"); log.warning("warning"); log.info("info")
        log.debug("debug"); log.trace("trace")
        let messages = sink.lines.compactMap { $0.wholeMatch(of: Self.lineFormat).map { String($0.output.3) } }
        #expect(messages == expected)
    }

    @Test func debugLineAbsentAtVerboseInFile() {
        let dir = TemporaryDirectory("multus-logging")
        defer { dir.remove() }
        let log = logger(.verbose, file: dir.file("multus.log"), stderr: false)
        log.debug("hidden detail")
        log.info("shown")
        let text = dir.read("multus.log") ?? ""
        #expect(text.contains("[verbose] shown\n"))
        #expect(!text.contains("hidden detail"))
    }

    @Test func nothingLoggedCreatesNoFile() {
        let dir = TemporaryDirectory("multus-logging")
        defer { dir.remove() }
        logger(.panic, file: dir.file("multus.log"), stderr: false).info("below threshold")
        #expect(dir.read("multus.log") == nil)
    }

    // MARK: destinations

    @Test func logToStderrFalseWritesNothingToStderr() {
        let dir = TemporaryDirectory("multus-logging")
        defer { dir.remove() }
        let quiet = CapturingLogSink()
        logger(.debug, file: dir.file("multus.log"), stderr: false, sink: quiet).error("to the file only")
        #expect(quiet.lines.isEmpty)
        #expect(dir.read("multus.log")?.contains("[error] to the file only\n") == true)

        let loud = CapturingLogSink()
        logger(.debug, file: dir.file("multus.log"), stderr: true, sink: loud).error("to both")
        #expect(loud.lines.count == 1)
        #expect(dir.read("multus.log")?.contains("[error] to both\n") == true)
    }

    @Test func logFileIsCreated0600InMissingFolderAndAppended() throws {
        let dir = TemporaryDirectory("multus-logging")
        defer { dir.remove() }
        let path = dir.file("a/b/multus.log")
        let log = logger(.verbose, file: path, stderr: false)
        log.info("first")
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        let again = logger(.verbose, file: path, stderr: false)
        again.info("second")
        let text = try #require(dir.read("a/b/multus.log"))
        let messages = text.split(separator: "\n").map { $0.split(separator: "] ", maxSplits: 1).last.map(String.init) }
        #expect(messages == ["first", "second"])
    }

    // MARK: rotation

    /// The messages of every line in the active file and its backups, oldest first.
    private func everyMessage(_ dir: TemporaryDirectory, name: String = "app.log") throws -> [String] {
        var text = ""
        for backup in dir.list() where backup != name {
            if backup.hasSuffix(".gz") {
                let unzipped = loggingShell("gzip -dc '\(dir.file(backup))'")
                try #require(unzipped.status == 0, "gzip -dc \(backup) failed")
                text += unzipped.output
            } else {
                text += try #require(dir.read(backup))
            }
        }
        text += dir.read(name) ?? ""
        return try text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { line in
            let match = try #require(String(line + "\n").wholeMatch(of: Self.lineFormat), "mangled line: \(line)")
            return String(match.output.3)
        }
    }

    /// `count` lines through a log file that rotates after `rotateAfter` bytes.
    private func write(_ count: Int, to path: String, rotateAfter: Int64, options: LogOptions, tag: String = "") {
        let file = RotatingLogFile(path: path, options: options, rotateAfter: rotateAfter)
        let log = Logger(label: "test") { _ in MultusLogHandler(logLevel: .verbose, sinks: [file]) }
        for i in 0..<count { log.info("\(tag)line \(i) padding-padding-padding") }
    }

    static var backupName: Regex<(Substring, Substring?)> {
        #/^app-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}\.log(\.gz)?$/#
    }

    @Test func rotationGzipsOldContentUnderLumberjackName() throws {
        let dir = TemporaryDirectory("multus-logging")
        defer { dir.remove() }
        write(30, to: dir.file("app.log"), rotateAfter: 1000, options: LogOptions(maxBackups: 100))
        let backups = dir.list().filter { $0 != "app.log" }
        #expect(backups.count >= 1)
        for backup in backups {
            #expect(backup.wholeMatch(of: Self.backupName)?.output.1 == ".gz", "\(backup)")
            #expect(loggingShell("gzip -t '\(dir.file(backup))'").status == 0)
            let plain = loggingShell("gzip -dc '\(dir.file(backup))'").output
            #expect(plain.utf8.count <= 1000 && plain.utf8.count > 900)
        }
        var info = stat()
        #expect(stat(dir.file("app.log"), &info) == 0 && info.st_size <= 1000)
        #expect(try everyMessage(dir) == (0..<30).map { "line \($0) padding-padding-padding" })
    }

    @Test func maxBackupsKeepsOnlyTheNewest() throws {
        let dir = TemporaryDirectory("multus-logging")
        defer { dir.remove() }
        write(120, to: dir.file("app.log"), rotateAfter: 500, options: LogOptions(maxBackups: 2))
        let backups = dir.list().filter { $0 != "app.log" }
        #expect(backups.count == 2)
        let all = (0..<120).map { "line \($0) padding-padding-padding" }
        let kept = try everyMessage(dir)
        #expect(!kept.isEmpty && kept.count < all.count)
        #expect(Array(all.suffix(kept.count)) == kept)
    }

    @Test func compressFalseLeavesPlainBackups() throws {
        let dir = TemporaryDirectory("multus-logging")
        defer { dir.remove() }
        write(40, to: dir.file("app.log"), rotateAfter: 600, options: LogOptions(maxBackups: 0, compress: false))
        let backups = dir.list().filter { $0 != "app.log" }
        #expect(backups.count >= 3)
        for backup in backups { #expect(backup.wholeMatch(of: Self.backupName)?.output.1 == nil, "\(backup)") }
        #expect(try everyMessage(dir) == (0..<40).map { "line \($0) padding-padding-padding" })
    }

    @Test func maxAgeRemovesOldBackupsAtRotation() throws {
        let dir = TemporaryDirectory("multus-logging")
        defer { dir.remove() }
        let backups = LogBackups(logFile: dir.file("app.log"))
        let nowMs = WallClock.now().unixMilliseconds
        let old = backups.path(stamp: nowMs - 10 * 86_400_000)
        let recent = backups.path(stamp: nowMs - 1 * 86_400_000) + ".gz"
        try dir.write(Paths.baseName(of: old), "old\n")
        try dir.write(Paths.baseName(of: recent), "not really gzip\n")
        try dir.write("app.log.unrelated", "keep me\n")
        let rotateAfter: Int64 = 800
        let options = LogOptions(maxAge: 5, maxBackups: 0, compress: false)
        write(20, to: dir.file("app.log"), rotateAfter: rotateAfter, options: options)
        let names = dir.list()
        #expect(!names.contains(String(old.split(separator: "/").last!)))
        #expect(names.contains(String(recent.split(separator: "/").last!)))
        #expect(names.contains("app.log.unrelated"))
        #expect(names.filter { $0.wholeMatch(of: Self.backupName) != nil }.count >= 2)
    }

    @Test func concurrentWritersLoseNoLineAcrossRotations() throws {
        let dir = TemporaryDirectory("multus-logging")
        defer { dir.remove() }
        let path = dir.file("app.log")
        let rotateAfter: Int64 = 2000
        let options = LogOptions(maxBackups: 0, compress: true)
        // Each writer has its own descriptor, as separate multus processes do.
        DispatchQueue.concurrentPerform(iterations: 4) { writer in
            write(150, to: path, rotateAfter: rotateAfter, options: options, tag: "w\(writer) ")
        }
        let messages = try everyMessage(dir)
        let expected = (0..<4).flatMap { w in (0..<150).map { "w\(w) line \($0) padding-padding-padding" } }
        #expect(messages.count == expected.count)
        #expect(Set(messages) == Set(expected))
        #expect(dir.list().count > 10)
    }

    @Test func backupNamesFollowTheLogFileName() {
        let absolute = LogBackups(logFile: "/var/log/multus.log")
        #expect(absolute.directory == "/var/log" && absolute.prefix == "multus-" && absolute.ext == ".log")
        #expect(absolute.path(stamp: 1_795_423_965_123) == "/var/log/multus-2026-11-23T08-52-45.123.log")
        let bare = LogBackups(logFile: "multus")
        #expect(bare.directory == "." && bare.prefix == "multus-" && bare.ext == "")
        #expect(bare.path(stamp: 1_795_423_965_123) == "./multus-2026-11-23T08-52-45.123")
    }

    // MARK: secrets

    @Test func handlerMasksBearerTokensJSONSecretsAndSecretMetadata() {
        let sink = CapturingLogSink()
        let log = logger(.debug, sink: sink)
        log.info("GET /api/v1/pods Authorization: Bearer eyJhbGciOi.abc-def_123")
        log.debug(#"config={"name":"net1","token":"s3cr3t-value","ipam":{"type":"static"}}"#)
        log.info("connecting", metadata: ["password": "hunter2", "pod": "default/web"])
        let text = sink.lines.joined()
        #expect(!text.contains("eyJhbGciOi"))
        #expect(!text.contains("s3cr3t-value"))
        #expect(!text.contains("hunter2"))
        #expect(text.contains("Authorization: Bearer <redacted>\n"))
        #expect(text.contains(#""token":"<redacted>""#))
        #expect(text.contains(#""name":"net1""#) && text.contains("pod=default/web"))
        #expect(text.contains("password=<redacted>"))
    }

    @Test func redactedForLogReplacesNestedSecrets() throws {
        let config = try JSONValue(parsing: #"""
            {"name":"multus","type":"multus-shim","Token":"t0p",
             "delegates":[{"name":"sriov","auth":{"bearerToken":"b1","username":"admin"},"keyData":"KD"}],
             "users":[{"user":{"client-key-data":"CKD","client-certificate-data":"CERT",
                               "token-file":"/var/run/token"}}],
             "nested":{"deeper":{"client_secret":"CS","password":null}},
             "headers":["Authorization: Bearer abc123"],
             "nad":{"config":"{\"type\":\"macvlan\",\"password\":\"inner\"}"}}
            """#)
        let redacted = redactedForLog(config)
        let text = redacted.serialized
        for secret in ["t0p", "b1", "KD", "CKD", "CS", "abc123", "inner", "admin"] {
            #expect(!text.contains(secret), "\(secret) leaked: \(text)")
        }
        #expect(redacted["Token"] == "<redacted>")
        #expect(redacted["delegates"]?.arrayValue?.first?["keyData"] == "<redacted>")
        #expect(redacted["users"]?.arrayValue?.first?["user"]?["client-key-data"] == "<redacted>")
        #expect(redacted["users"]?.arrayValue?.first?["user"]?["client-certificate-data"] == "CERT")
        #expect(redacted["users"]?.arrayValue?.first?["user"]?["token-file"] == "/var/run/token")
        #expect(redacted["nested"]?["deeper"]?["client_secret"] == "<redacted>")
        #expect(redacted["nested"]?["deeper"]?["password"] == .null)
        #expect(redacted["headers"] == ["Authorization: Bearer <redacted>"])
        #expect(redacted["nad"]?["config"] == #"{"type":"macvlan","password":"<redacted>"}"#)
        #expect(redacted["name"] == "multus" && redacted["type"] == "multus-shim")
    }

    /// Found by `make fuzz` (redaction): after a `Bearer` with nothing to
    /// mask, the next 10 bytes were skipped, and a token in them was kept.
    @Test(arguments: ["Bearer , Bearer abc123", "bearer \n\nbearer\tabc123", "Bearer \"\" Bearer abc123"])
    func aBearerTokenRightAfterAnEmptyOneIsMasked(_ text: String) {
        let redacted = redactedForLog(text)
        #expect(!redacted.contains("abc123"), "\(redacted)")
        #expect(redacted.hasSuffix("earer\t<redacted>") || redacted.hasSuffix("earer <redacted>"))
    }

    @Test func escapedJSONInsideAMessageIsMasked() {
        let text = redactedForLog(#"{"config":"{\"type\":\"x\",\"token\":\"deep\",\"q\":\"a\\\"b\"}"}"#)
        #expect(text == #"{"config":"{\"type\":\"x\",\"token\":\"<redacted>\",\"q\":\"a\\\"b\"}"}"#)
    }

    @Test(arguments: ["token", "Token", "bearerToken", "id-token", "password", "client-secret", "secret", "key",
                      "keyData", "client-key-data", "privateKey", "tls.key", "apiKey", "Authorization", "auth",
                      "bearer"])
    func secretKeys(key: String) { #expect(isSecretKey(key)) }

    @Test(arguments: ["name", "type", "tokenFile", "token-file", "kubeconfig", "cniVersion",
                      "certificate-authority-data",
                      "client-certificate-data", "ipam", "master", "keys", "secretName", "author"])
    func nonSecretKeys(key: String) { #expect(!isSecretKey(key)) }

    // MARK: settings

    @Test func logSettingsDefaults() throws {
        let settings = try LogSettings(config: ["name": "multus", "type": "multus"])
        #expect(settings == LogSettings())
        #expect(settings.logFile == nil)
        #expect(settings.logLevel == .panic)
        #expect(settings.logToStderr == true)
        #expect(settings.logOptions == LogOptions(maxSize: 100, maxAge: 5, maxBackups: 5, compress: true))
        #expect(settings.logOptions.maxSizeBytes == 100 * 1_048_576)
    }

    @Test func logSettingsReadAllFields() throws {
        let settings = try LogSettings(config: try JSONValue(parsing: #"""
            {"logFile":"/var/log/multus.log","logLevel":"DeBuG","logToStderr":false,
             "logOptions":{"maxSize":7,"maxAge":0,"maxBackups":1,"compress":false}}
            """#))
        #expect(settings == LogSettings(logFile: "/var/log/multus.log", logLevel: .debug, logToStderr: false,
                                        logOptions: LogOptions(maxSize: 7, maxAge: 0, maxBackups: 1, compress: false)))
        #expect(settings.logOptions.maxSizeBytes == 7 * 1_048_576)
        let partial = try LogSettings(config: ["logOptions": ["maxBackups": 9]])
        #expect(partial.logOptions == LogOptions(maxBackups: 9))
    }

    @Test(arguments: ["loud", "", "info", "warning"])
    func unknownLogLevelKeepsDefault(level: String) throws {
        #expect(try LogSettings(config: ["logLevel": .string(level)]).logLevel == .panic)
    }

    @Test func emptyOrNullValuesMeanDefaults() throws {
        let settings = try LogSettings(config: ["logFile": "", "logLevel": nil, "logToStderr": nil, "logOptions": nil])
        #expect(settings == LogSettings())
        #expect(try LogSettings(config: ["logOptions": ["maxSize": 0]]).logOptions.maxSizeBytes == 100 * 1_048_576)
    }

    @Test(arguments: [
        (#"{"logFile":false}"#, "logFile must be a string"),
        (#"{"logLevel":3}"#, "logLevel must be a string"),
        (#"{"logToStderr":"yes"}"#, "logToStderr must be a boolean"),
        (#"{"logOptions":[]}"#, "logOptions must be an object"),
        (#"{"logOptions":{"maxSize":"10"}}"#, "logOptions.maxSize must be an integer"),
        (#"{"logOptions":{"maxAge":true}}"#, "logOptions.maxAge must be an integer"),
        (#"{"logOptions":{"maxBackups":{}}}"#, "logOptions.maxBackups must be an integer"),
        (#"{"logOptions":{"maxAge":1.5}}"#, "logOptions.maxAge must be an integer"),
        (#"{"logOptions":{"compress":"true"}}"#, "logOptions.compress must be a boolean"),
    ])
    func logSettingsTypeErrorsAreInvalidConfig(json: String, message: String) throws {
        let config = try JSONValue(parsing: json)
        do {
            _ = try LogSettings(config: config)
            Issue.record("\(json) was accepted")
        } catch {
            #expect(error.code == CNIError.invalidNetworkConfig)
            #expect(error.msg.hasPrefix(message), "\(error.msg)")
        }
    }
}
