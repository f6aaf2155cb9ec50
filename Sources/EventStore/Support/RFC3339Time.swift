import Foundation

/// Times as RFC 3339 text in UTC with microseconds, the precision PostgreSQL records, written
/// and read by hand: they run for every event relayed, consumed or shown, and a date formatter
/// is costly to create.
public enum RFC3339Time {
    /// 2000-01-01T00:00:00Z, PostgreSQL's (and postgres-nio's) epoch for timestamps.
    static let postgresEpoch = Date(timeIntervalSince1970: 946_684_800)
    static let postgresEpochMicros: Int64 = 946_684_800_000_000

    /// RFC 3339 in UTC with microseconds, the precision PostgreSQL records: the whole
    /// microseconds postgres-nio would store for `date`.
    public static func format(_ date: Date) -> String {
        let unixMicros = Int64(date.timeIntervalSince(postgresEpoch) * 1_000_000) + postgresEpochMicros
        var seconds = time_t(unixMicros / 1_000_000)
        var fraction = unixMicros % 1_000_000
        if fraction < 0 {
            fraction += 1_000_000
            seconds -= 1
        }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let year = Int(parts.tm_year) + 1900
        guard (0...9999).contains(year) else {
            return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                          year, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, Int(fraction))
        }
        // Digits written by hand: the relay formats every event's time, and `String(format:)`
        // was most of its cost per message.
        return String(unsafeUninitializedCapacity: 27) { buffer in
            var index = 0
            func put(_ value: Int, digits: Int) {
                var value = value
                for offset in stride(from: digits - 1, through: 0, by: -1) {
                    buffer[index + offset] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                index += digits
            }
            func put(_ byte: Unicode.Scalar) {
                buffer[index] = UInt8(ascii: byte)
                index += 1
            }
            put(year, digits: 4); put("-"); put(Int(parts.tm_mon) + 1, digits: 2); put("-"); put(Int(parts.tm_mday), digits: 2)
            put("T"); put(Int(parts.tm_hour), digits: 2); put(":"); put(Int(parts.tm_min), digits: 2); put(":"); put(Int(parts.tm_sec), digits: 2)
            put("."); put(Int(fraction), digits: 6); put("Z")
            return index
        }
    }

    /// Reads `YYYY-MM-DDTHH:MM:SS[.fraction]Z` into the same `Date` postgres-nio decodes for that
    /// microsecond. Parsed by hand: it runs for every consumed message, and a date formatter is
    /// costly to create.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z"),
              bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":") else { return nil }
        func number(_ range: Range<Int>) -> Int32? { Self.number(bytes, range) }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19) else { return nil }
        var micros: Int64 = 0
        let fraction = bytes[19..<(bytes.count - 1)]
        if !fraction.isEmpty {
            let digits = fraction.dropFirst()
            guard fraction.first == UInt8(ascii: "."), (1...9).contains(digits.count),
                  let value = number(digits.startIndex..<(digits.startIndex + min(6, digits.count))) else { return nil }
            micros = Int64(value)
            for _ in 0..<(6 - min(6, digits.count)) { micros *= 10 }
        }
        return date(year: year, month: month, day: day, hour: hour, minute: minute, second: second, micros: micros)
    }

    /// Reads any RFC 3339 date-time, as a client may send one: `T` or `t`, a fraction of any
    /// length (kept to the microsecond), `Z`, `z` or an offset such as `+05:30`, and a leap second
    /// as the first second of the next minute. Nil for anything else, or a day the calendar does
    /// not have (2026-02-30).
    public static func parseAnyOffset(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":") else { return nil }
        func number(_ range: Range<Int>) -> Int32? { Self.number(bytes, range) }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
        guard (1...days(inMonth: month, year: year)).contains(day) else { return nil }
        var index = 19
        var micros: Int64 = 0
        if bytes[index] == UInt8(ascii: ".") {
            var digits = 0
            index += 1
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                if digits < 6 { micros = micros * 10 + Int64(bytes[index] - UInt8(ascii: "0")) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in 0..<max(0, 6 - digits) { micros *= 10 }
        }
        guard index < bytes.count else { return nil }
        var offsetSeconds: Int64 = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == bytes.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == bytes.count, bytes[index + 3] == UInt8(ascii: ":"),
                  let hours = number((index + 1)..<(index + 3)), let minutes = number((index + 4)..<(index + 6)),
                  (0...23).contains(hours), (0...59).contains(minutes) else { return nil }
            offsetSeconds = Int64(hours) * 3600 + Int64(minutes) * 60
            if bytes[index] == UInt8(ascii: "-") { offsetSeconds = -offsetSeconds }
        default:
            return nil
        }
        return date(year: year, month: month, day: day, hour: hour, minute: minute, second: second, micros: micros, offsetSeconds: offsetSeconds)
    }

    /// The decimal number in `bytes[range]`; nil when it holds anything but digits or runs past the end.
    private static func number(_ bytes: [UInt8], _ range: Range<Int>) -> Int32? {
        guard range.upperBound <= bytes.count else { return nil }
        var value: Int32 = 0
        for byte in bytes[range] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int32(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func days(inMonth month: Int32, year: Int32) -> Int32 {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The instant of a calendar time `offsetSeconds` ahead of UTC, as postgres-nio would decode
    /// it (microseconds from PostgreSQL's epoch).
    private static func date(
        year: Int32, month: Int32, day: Int32, hour: Int32, minute: Int32, second: Int32, micros: Int64, offsetSeconds: Int64 = 0
    ) -> Date {
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        let unixSeconds = Int64(timegm(&parts)) - offsetSeconds
        let sinceEpoch = unixSeconds * 1_000_000 - postgresEpochMicros + micros
        return Date(timeInterval: Double(sinceEpoch) / 1_000_000, since: postgresEpoch)
    }
}
