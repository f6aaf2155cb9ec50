import Foundation

/// When an event happened in the business's world, as distinct from when the store recorded
/// it: an imported or generated history carries its own times, so reports put it on its own days.
///
/// Kept in the event's metadata under ``key`` as UTC ISO 8601 with milliseconds
/// (`2026-03-01T09:30:00.000Z`), so the hash chain covers it like the rest of the metadata.
/// Written and read by hand: a rebuild reads it for every event, and Foundation's ISO 8601
/// formatters cost microseconds each on Linux.
public enum BusinessTime {
    public static let key = "occurredAt"

    public static func format(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let days = CivilCalendar.floorDivision(milliseconds, 86_400_000)
        let inDay = milliseconds - days * 86_400_000
        let (year, month, day) = CivilCalendar.date(fromDays: days)
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(inDay / 3_600_000, 2)):\(pad(inDay / 60_000 % 60, 2)):"
            + "\(pad(inDay / 1000 % 60, 2)).\(pad(inDay % 1000, 3))Z"
    }

    /// Parses exactly the form ``format(_:)`` writes; nil for anything else.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 24, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "."), bytes[23] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
              let minute = number(14..<16), let second = number(17..<19), let millisecond = number(20..<23),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        let days = CivilCalendar.days(year: year, month: month, day: day)
        let milliseconds = ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millisecond
        return Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}

extension EventMetadata {
    /// The event's business time when it differs from when it was stored (see ``BusinessTime``).
    public var occurredAt: Date? {
        get { extra(BusinessTime.key).flatMap(BusinessTime.parse) }
        set { extra[BusinessTime.key] = newValue.map(BusinessTime.format) }
    }
}

extension RecordedEvent {
    /// When the event happened: its business time if it carries one, else when it was stored.
    public var occurredAt: Date { metadata.occurredAt ?? recordedAt }
}
