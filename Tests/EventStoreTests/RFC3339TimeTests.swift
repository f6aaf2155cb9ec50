import EventStore
import Foundation
import Testing

/// Reading the RFC 3339 date-times clients send: offsets, fractions, lower-case separators.
@Suite("RFC 3339 date-times from clients")
struct RFC3339TimeTests {
    /// 2026-12-01T09:00:00Z in Unix seconds, counted from the calendar: the days of the years
    /// since 1970 and of January to November 2026, plus nine hours.
    static let nineUTC: TimeInterval = {
        var days = 0
        for year in 1970..<2026 { days += (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 366 : 365 }
        days += [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30].reduce(0, +) // January to November of 2026
        return TimeInterval(days * 86_400 + 9 * 3_600)
    }()

    @Test("the same instant in any offset, case and fraction length")
    func sameInstant() throws {
        for text in ["2026-12-01T09:00:00Z", "2026-12-01t09:00:00z", "2026-12-01T10:30:00+01:30", "2026-11-30T23:00:00-10:00", "2026-12-01T09:00:00.000000000Z", "2026-12-01T09:00:00.0+00:00"] {
            let date = try #require(RFC3339Time.parseAnyOffset(text), "\(text)")
            #expect(date.timeIntervalSince1970 == Self.nineUTC, "\(text)")
        }
        let fraction = try #require(RFC3339Time.parseAnyOffset("2026-12-01T09:00:00.25Z"))
        #expect(abs(fraction.timeIntervalSince1970 - (Self.nineUTC + 0.25)) < 0.000_001)
        let leap = try #require(RFC3339Time.parseAnyOffset("2026-12-01T08:59:60Z"))
        #expect(leap.timeIntervalSince1970 == Self.nineUTC, "a leap second reads as the next minute's first")
    }

    @Test("days the calendar lacks, hours past 23, offsets past 23:59 and missing zones are refused")
    func refused() {
        for text in ["2026-02-29T00:00:00Z", "2024-02-30T00:00:00Z", "2026-12-01T24:00:00Z", "2026-12-01T09:60:00Z", "2026-12-01T09:00:00+24:00",
                     "2026-12-01T09:00:00", "2026-12-01 09:00:00Z", "2026-12-01T09:00:00.Z", "2026-13-01T09:00:00Z", "2026-12-01T09:00:00+0100"] {
            #expect(RFC3339Time.parseAnyOffset(text) == nil, "\(text)")
        }
        #expect(RFC3339Time.parseAnyOffset("2024-02-29T00:00:00Z") != nil, "2024 is a leap year")
    }

    @Test("formatting writes UTC to the microsecond, as Foundation's calendar reckons it")
    func formatting() throws {
        #expect(RFC3339Time.format(Date(timeIntervalSince1970: Self.nineUTC + 0.25)) == "2026-12-01T09:00:00.250000Z")
        #expect(RFC3339Time.format(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500000Z")
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            // Instants from 1900 to 2200 in 64ths of a second (15,625 µs), which a Double holds
            // exactly: no rounding of the fraction stands between the date and its microseconds.
            let micros = Int64.random(in: -2_208_988_800...7_258_118_400, using: &generator) * 1_000_000 + Int64.random(in: 0..<64, using: &generator) * 15_625
            let date = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let fraction = ((micros % 1_000_000) + 1_000_000) % 1_000_000
            let expected = String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!, Int(fraction))
            let text = RFC3339Time.format(date)
            #expect(text == expected, "\(micros)")
            #expect(RFC3339Time.parse(text).map { RFC3339Time.format($0) } == text)
        }
    }
}
