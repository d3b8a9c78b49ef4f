import Glibc
import Synchronization
@testable import MultusLogging

/// Runs a shell command; its stdout and exit status.
func loggingShell(_ command: String) -> (output: String, status: Int32) {
    guard let pipe = popen(command, "r") else { return ("", -1) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, pipe) }
        guard n > 0 else { break }
        bytes += buffer[0..<n]
    }
    let status = pclose(pipe)
    return (String(decoding: bytes, as: UTF8.self), status)
}

/// Collects what the handler would have written to stderr.
final class CapturingLogSink: LogLineSink {
    private let captured = Mutex<[String]>([])

    func write(_ line: [UInt8]) {
        let text = String(decoding: line, as: UTF8.self)
        captured.withLock { $0.append(text) }
    }

    var lines: [String] { captured.withLock { $0 } }
}

func loggingMonotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// Runs `work` on a thread of its own after `seconds`, whatever the dispatch
/// and test thread pools are busy with.
func loggingAfter(seconds: Double, _ work: @escaping @Sendable () -> Void) {
    final class Job: @unchecked Sendable {
        let seconds: Double
        let work: @Sendable () -> Void
        init(_ seconds: Double, _ work: @escaping @Sendable () -> Void) { self.seconds = seconds; self.work = work }
    }
    let job = Unmanaged.passRetained(Job(seconds, work)).toOpaque()
    var thread = pthread_t()
    let created = pthread_create(&thread, nil, { raw in
        let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
        var delay = timespec(tv_sec: Int(job.seconds), tv_nsec: Int((job.seconds - Double(Int(job.seconds))) * 1e9))
        var left = timespec()
        while nanosleep(&delay, &left) != 0 { delay = left }
        job.work()
        return nil
    }, job)
    precondition(created == 0, "pthread_create failed")
    pthread_detach(thread)
}
