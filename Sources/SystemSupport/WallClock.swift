#if canImport(Glibc)
import Glibc
#endif

/// Real (calendar) time: event timestamps, log lines, file ages.
package struct WallClock: Sendable, Equatable {
    package var seconds: Int
    package var nanoseconds: Int

    package init(seconds: Int, nanoseconds: Int = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    package static func now() -> WallClock {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return WallClock(seconds: Int(ts.tv_sec), nanoseconds: Int(ts.tv_nsec))
    }

    package var unixNanoseconds: UInt64 { UInt64(seconds) * 1_000_000_000 + UInt64(nanoseconds) }
    package var unixMilliseconds: Int64 { Int64(seconds) * 1000 + Int64(nanoseconds / 1_000_000) }

    /// `2006-01-02T15:04:05Z`, UTC: Kubernetes' `metav1.Time`.
    package var rfc3339UTC: String {
        let parts = calendar(local: false)
        return Self.date(parts, timeSeparator: ":") + "Z"
    }

    /// Go's `time.RFC3339` of local time: `…T10:52:45+02:00`, or `Z` at UTC.
    package var rfc3339Local: String {
        let parts = calendar(local: true)
        let offset = Int(parts.tm_gmtoff)
        guard offset != 0 else { return Self.date(parts, timeSeparator: ":") + "Z" }
        let minutes = abs(offset) / 60
        return Self.date(parts, timeSeparator: ":") + (offset < 0 ? "-" : "+")
            + Self.pad(minutes / 60, 2) + ":" + Self.pad(minutes % 60, 2)
    }

    /// `2006-01-02T15-04-05.000` in UTC (lumberjack's backup file stamp).
    package var backupStamp: String {
        Self.date(calendar(local: false), timeSeparator: "-") + "." + Self.pad(nanoseconds / 1_000_000, 3)
    }

    /// Reads a `backupStamp` back; nil when the text is not one.
    package init?(backupStamp text: Substring) {
        let bytes = Array(text.utf8)
        guard bytes.count == 23 else { return nil }
        let separators: [(Int, UInt8)] = [(4, 45), (7, 45), (10, 84), (13, 45), (16, 45), (19, 46)]
        for (i, c) in separators where bytes[i] != c { return nil }
        var fields: [Int] = []
        for (start, length) in [(0, 4), (5, 2), (8, 2), (11, 2), (14, 2), (17, 2), (20, 3)] {
            var n = 0
            for b in bytes[start..<start + length] {
                guard b >= 48 && b <= 57 else { return nil }
                n = n * 10 + Int(b - 48)
            }
            fields.append(n)
        }
        guard (1...12).contains(fields[1]), (1...31).contains(fields[2]), fields[3] < 24, fields[4] < 60, fields[5] < 61
        else { return nil }
        var parts = tm()
        parts.tm_year = Int32(fields[0] - 1900)
        parts.tm_mon = Int32(fields[1] - 1)
        parts.tm_mday = Int32(fields[2])
        parts.tm_hour = Int32(fields[3])
        parts.tm_min = Int32(fields[4])
        parts.tm_sec = Int32(fields[5])
        self.init(seconds: Int(timegm(&parts)), nanoseconds: fields[6] * 1_000_000)
    }

    private func calendar(local: Bool) -> tm {
        var t = time_t(seconds)
        var parts = tm()
        if local { localtime_r(&t, &parts) } else { gmtime_r(&t, &parts) }
        return parts
    }

    private static func date(_ parts: tm, timeSeparator: String) -> String {
        pad(Int(parts.tm_year) + 1900, 4) + "-" + pad(Int(parts.tm_mon) + 1, 2) + "-" + pad(Int(parts.tm_mday), 2)
            + "T" + pad(Int(parts.tm_hour), 2) + timeSeparator + pad(Int(parts.tm_min), 2) + timeSeparator
            + pad(Int(parts.tm_sec), 2)
    }

    private static func pad(_ n: Int, _ width: Int) -> String {
        let digits = String(n)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
