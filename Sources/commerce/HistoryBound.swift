import ArgumentParser
import EventStore
import Foundation

/// A point in history given on the command line: a global position (digits) or an RFC 3339 time.
enum HistoryBound {
    static func parse(_ text: String?, option: String) throws -> HistoryPoint? {
        guard let text else { return nil }
        if let position = Int64(text), position >= 0 { return .position(position) }
        if let time = try? Date(text, strategy: .iso8601) { return .time(time) }
        if let time = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return .time(time) }
        throw ValidationError("\(option) must be a global position (a number) or an RFC 3339 time such as 2026-11-30T12:00:00Z")
    }
}
