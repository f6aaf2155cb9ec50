/// Which events a read of `$all` or a subscription wants.
public struct EventFilter: Sendable, Hashable {
    /// Stream categories (`cart`, `order`…); empty = all.
    public var categories: [String]
    /// Event types; empty = all.
    public var eventTypes: [String]
    /// Event types left out, for a reader that knows it has no use for them: unlike a list of
    /// the types wanted, a type added later still reaches it.
    public var excludedTypes: [String]

    public init(categories: [String] = [], eventTypes: [String] = [], excludedTypes: [String] = []) {
        self.categories = categories
        self.eventTypes = eventTypes
        self.excludedTypes = excludedTypes
    }

    public static let all = EventFilter()

    public static func category(_ category: String) -> EventFilter {
        EventFilter(categories: [category])
    }
}

/// One page of `$all`.
public struct AllPage: Sendable {
    public let events: [RecordedEvent]
    /// Read on after this position: the last event's, or the safe frontier when the page
    /// shows every matching event up to it.
    public let nextPosition: Int64
    /// Every event at or below this position is final.
    public let safePosition: Int64
    /// The newest position handed out, committed or not.
    public let headPosition: Int64
}

/// A point in the store's history, for audits: reads "as of" it ignore everything later.
public enum HistoryPoint: Sendable, Hashable {
    case position(Int64)
    case time(Date)

    /// Reads a global position (digits) or an RFC 3339 time, as the CLI and the admin API take
    /// them; nil when the text is neither.
    public init?(_ text: some StringProtocol) {
        let text = String(text)
        if let position = Int64(text), position >= 0 {
            self = .position(position)
        } else if let time = RFC3339Time.parse(text) ?? (try? Date(text, strategy: .iso8601)) {
            self = .time(time)
        } else {
            return nil
        }
    }
}

import Foundation
