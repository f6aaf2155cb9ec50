import EventStore
import Foundation
import Hummingbird
import HummingbirdCore
import Projections

/// The period of a report from the query string: `from` and `to` (local dates, inclusive,
/// `YYYY-MM-DD`; by default the 30 days up to today) and `tz` (an IANA zone, default UTC).
/// Each bad value is refused with a problem naming it.
enum ReportPeriod {
    /// Long enough for any report; bounds the rows a period generates.
    static let maximumDays = 3660

    static func parse(_ query: FlatDictionary<Substring, Substring>, reader: AnalyticsReader, now: Date = Date()) async throws -> AnalyticsReader.Period {
        let zone = query["tz"].map(String.init) ?? "UTC"
        guard !zone.isEmpty, zone.count <= 64, try await reader.knowsTimeZone(zone) else {
            throw Problem.unprocessable("invalid_parameter", "tz must be an IANA time zone name such as Europe/Berlin", field: "tz")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone) ?? TimeZone(secondsFromGMT: 0)!
        let today = calendar.dateComponents([.year, .month, .day], from: now)
        let defaultTo = LocalDate(year: today.year!, month: today.month!, day: today.day!)
        let to = try query["to"].map { try date($0, field: "to") } ?? defaultTo
        let from = try query["from"].map { try date($0, field: "from") } ?? to.adding(days: -29)
        guard from.dayNumber <= to.dayNumber else {
            throw Problem.unprocessable("invalid_parameter", "from must not be after to", field: "from")
        }
        guard to.dayNumber - from.dayNumber < maximumDays else {
            throw Problem.unprocessable("invalid_parameter", "a report covers at most \(maximumDays) days", field: "to")
        }
        return AnalyticsReader.Period(from: from.text, to: to.text, timeZone: zone)
    }

    static func currency(_ value: Substring?) throws -> String? {
        guard let value else { return nil }
        return try QueryParameters.currency(value).code
    }

    /// One of `allowed`, or `fallback` when absent.
    static func choice<Choice: RawRepresentable & CaseIterable>(_ value: Substring?, field: String, fallback: Choice) throws -> Choice where Choice.RawValue == String {
        guard let value else { return fallback }
        guard let choice = Choice(rawValue: String(value)) else {
            throw Problem.badRequest("invalid_parameter", "\(field) must be one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))", field: field)
        }
        return choice
    }

    private static func date(_ text: Substring, field: String) throws -> LocalDate {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...LocalDate.days(inMonth: month, year: year)).contains(day)
        else {
            throw Problem.badRequest("invalid_parameter", "\(field) must be a date YYYY-MM-DD from 1970 on", field: field)
        }
        // A real date, but before the store's time began: refused for its content.
        guard year >= 1970 else {
            throw Problem.unprocessable("invalid_parameter", "\(field) must be a date YYYY-MM-DD from 1970 on", field: field)
        }
        return LocalDate(year: year, month: month, day: day)
    }
}

/// A calendar date without a zone, for period arithmetic.
struct LocalDate: Equatable {
    let year: Int
    let month: Int
    let day: Int

    static func days(inMonth month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01.
    var dayNumber: Int { Int(CivilCalendar.days(year: Int64(year), month: Int64(month), day: Int64(day))) }

    func adding(days: Int) -> LocalDate {
        let moved = CivilCalendar.date(fromDays: Int64(dayNumber + days))
        return LocalDate(year: Int(moved.year), month: Int(moved.month), day: Int(moved.day))
    }

    var text: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }
}
