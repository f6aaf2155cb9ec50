import ArgumentParser
import EventStore
import Foundation

/// Command-line values the audit and replay commands share, each refused with a usage error
/// that says what is expected.
enum ArgumentValues {
    static func stream(_ text: String) throws -> StreamName {
        do { return try StreamName(text) } catch { throw ValidationError(error.message) }
    }

    /// A point in history: a global position (digits) or an RFC 3339 time.
    static func historyPoint(_ text: String?, option: String) throws -> HistoryPoint? {
        guard let text else { return nil }
        if let point = HistoryPoint(text) { return point }
        throw ValidationError("\(option) must be a global position (a number) or an RFC 3339 time such as 2026-11-30T12:00:00Z")
    }
}
