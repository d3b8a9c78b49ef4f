import Glibc

/// The two clocks texts the logger prints, without Foundation.
enum LogTimestamp {
    /// Go's `time.RFC3339` of local time, as Multus prints it:
    /// `2026-11-23T08:52:45Z`, or `…T10:52:45+02:00` off UTC.
    static func rfc3339(_ time: timespec = now()) -> String {
        var seconds = time.tv_sec
        var parts = tm()
        localtime_r(&seconds, &parts)
        var text = date(parts, timeSeparator: ":")
        let offset = Int(parts.tm_gmtoff)
        if offset == 0 {
            text += "Z"
        } else {
            let minutes = abs(offset) / 60
            text += (offset < 0 ? "-" : "+") + pad(minutes / 60, 2) + ":" + pad(minutes % 60, 2)
        }
        return text
    }

    /// lumberjack's backup stamp, in UTC: `2006-01-02T15-04-05.000`.
    static func backupStamp(_ time: timespec) -> String {
        var seconds = time.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return date(parts, timeSeparator: "-") + "." + pad(Int(time.tv_nsec) / 1_000_000, 3)
    }

    /// Reads a `backupStamp` back to milliseconds since the epoch; nil when the text is not one.
    static func parseBackupStamp(_ text: Substring) -> Int64? {
        let bytes = Array(text.utf8)
        // 2006-01-02T15-04-05.000
        guard bytes.count == 23 else { return nil }
        let layout: [(Int, Int)] = [(0, 4), (5, 2), (8, 2), (11, 2), (14, 2), (17, 2), (20, 3)]
        let separators: [(Int, UInt8)] = [(4, 45), (7, 45), (10, 84), (13, 45), (16, 45), (19, 46)]
        for (i, c) in separators where bytes[i] != c { return nil }
        var fields: [Int] = []
        for (start, length) in layout {
            var n = 0
            for b in bytes[start..<start + length] {
                guard b >= 48 && b <= 57 else { return nil }
                n = n * 10 + Int(b - 48)
            }
            fields.append(n)
        }
        var parts = tm()
        parts.tm_year = Int32(fields[0] - 1900)
        parts.tm_mon = Int32(fields[1] - 1)
        parts.tm_mday = Int32(fields[2])
        parts.tm_hour = Int32(fields[3])
        parts.tm_min = Int32(fields[4])
        parts.tm_sec = Int32(fields[5])
        guard (1...12).contains(fields[1]), (1...31).contains(fields[2]), fields[3] < 24, fields[4] < 60, fields[5] < 61
        else { return nil }
        return Int64(timegm(&parts)) * 1000 + Int64(fields[6])
    }

    static func now() -> timespec {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return time
    }

    static func milliseconds(_ time: timespec) -> Int64 {
        Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
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
