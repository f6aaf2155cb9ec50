import EventStore
import Foundation

/// Numbers and times written straight into bytes: what a bulk write or a read model's JSON
/// does for every row, where `String(describing:)` and `DateFormatter` cost too much.
enum ASCIIText {
    /// The decimal digits of `value`, at least `width` of them (zero-padded), with a minus sign
    /// before them if negative.
    static func appendDigits(_ value: Int64, width: Int = 1, to text: inout [UInt8]) {
        if value < 0 { text.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for 20 digits
        let count = withUnsafeMutableBytes(of: &digits) { buffer in
            var count = 0
            repeat {
                buffer[23 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0 || count < width
            return count
        }
        withUnsafeBytes(of: &digits) { text.append(contentsOf: $0[(24 - count)...]) }
    }

    /// How a time is written: PostgreSQL's text form for `COPY` (`YYYY-MM-DD HH:MM:SS.ffffff+00`)
    /// or ISO 8601 in UTC (`YYYY-MM-DDTHH:MM:SS.ffffffZ`), which both PostgreSQL and JSON readers take.
    enum TimeStyle {
        case postgres, iso8601
    }

    /// `date` to the microsecond, from whole microseconds since 2000 as postgres-nio sends a
    /// `Date` (truncated toward zero), so that what is written reads back as the same timestamp.
    static func appendTime(_ date: Date, style: TimeStyle, to text: inout [UInt8]) {
        let sinceY2K = Int64(date.timeIntervalSince(Date(timeIntervalSince1970: 946_684_800)) * 1_000_000)
        let micros = sinceY2K + 946_684_800 * 1_000_000
        let days = CivilCalendar.floorDivision(micros, 86_400_000_000)
        let ofDay = micros - days * 86_400_000_000
        let (year, month, day) = CivilCalendar.date(fromDays: days)
        func digits(_ value: Int64, _ width: Int) { appendDigits(value, width: width, to: &text) }
        digits(year, 4)
        text.append(UInt8(ascii: "-"))
        digits(month, 2)
        text.append(UInt8(ascii: "-"))
        digits(day, 2)
        text.append(style == .postgres ? UInt8(ascii: " ") : UInt8(ascii: "T"))
        digits(ofDay / 3_600_000_000, 2)
        text.append(UInt8(ascii: ":"))
        digits(ofDay / 60_000_000 % 60, 2)
        text.append(UInt8(ascii: ":"))
        digits(ofDay / 1_000_000 % 60, 2)
        text.append(UInt8(ascii: "."))
        digits(ofDay % 1_000_000, 6)
        switch style {
        case .postgres: text.append(contentsOf: "+00".utf8)
        case .iso8601: text.append(UInt8(ascii: "Z"))
        }
    }
}
