import Aggregates
import EventStore
import Foundation
import Logging
import PostgresNIO

/// Search analytics (`schemas/sql/0032_search_analytics.sql`): searches and searches that found
/// nothing per UTC day of their business time — in total, per query text (by its digest), per
/// filter option — and each text's searchers with their sealed copy of it, read by
/// ``SearchAnalyticsReader``. Counts are added on flush, so a batch reads no rows.
public struct SearchAnalyticsProjection: Projection {
    public let name = "search-analytics"
    public let categories: Set<String> = ["activity"]
    public let tables = ["search_days", "search_queries", "search_query_searchers", "search_filters"]
    public let ignoredEventTypes: Set<String> = [ProductViewed.eventType]

    public init() {}

    public func makeBuilder() -> any ReadModelBuilder { SearchAnalyticsBuilder(projection: name) }
}

/// Count differences since the last flush, keyed by what they count.
final class SearchAnalyticsBuilder: ReadModelBuilder {
    struct Counts {
        var searches: Int64 = 0
        var zeroResults: Int64 = 0
        var withText: Int64 = 0

        mutating func add(found: Bool, text: Bool) {
            searches += 1
            if !found { zeroResults += 1 }
            if text { withText += 1 }
        }
    }

    struct Searcher {
        var sealedQuery: String
        var lastDay: String
    }

    private let projection: String
    private var days: [String: Counts] = [:]
    private var queries: [DayKey: Counts] = [:]
    private var filters: [DayKey: Counts] = [:]
    private var searchers: [SearcherKey: Searcher] = [:]
    private let streamVersions = StreamVersions()
    var recordsStreamVersions: Bool {
        get { streamVersions.enabled }
        set { streamVersions.enabled = newValue }
    }
    /// Not used: its rows are merged either way.
    var writesIntoEmptyTables = false
    private let hold = StreamHold()

    struct DayKey: Hashable {
        let day: String
        let key: String
    }

    struct SearcherKey: Hashable {
        let digest: String
        let searcher: String
    }

    init(projection: String) {
        self.projection = projection
    }

    /// What one search adds to the counts.
    struct Search: Sendable {
        /// As stored: sealed with the searcher's key (the projection never reads it).
        let query: String
        let digest: String?
        let found: Bool
        let filters: [String]
    }

    /// The current schema version of each activity event type.
    private static let currentVersions = JSONObject.currentVersions(of: ["activity"])

    /// The search in `event`, read field by field from its JSON (``JSONObject``; older schema
    /// versions upcast first): decoding it whole through `Codable` was most of a rebuild's
    /// folding. A field missing or of the wrong kind parks the event, as decoding would.
    static func search(in event: RecordedEvent) -> Result<Search, DomainError> {
        JSONObject.read(event, versions: currentVersions, by: "search analytics") { object throws(DomainError) -> Search? in
            guard let query = object.string("query"), let results = object.integer("resultCount"), let filters = object.strings("filters") else {
                return nil
            }
            var digest: String?
            if let raw = object.raw("queryDigest"), raw != "null" {
                guard let text = object.string("queryDigest") else { return nil }
                digest = text
            }
            return Search(query: query, digest: digest, found: results > 0, filters: filters)
        }
    }

    func add(_ events: [RecordedEvent], loadingFrom connection: PostgresConnection?, logger: Logger) async throws -> [ParkedEvent] {
        let outcomes = await decodeConcurrently(events) { event -> Result<Search, DomainError>? in
            event.type == SearchPerformed.eventType ? Self.search(in: event) : nil
        }
        for (event, outcome) in zip(events, outcomes) {
            guard let outcome, let search = hold.admit(event, outcome) else { continue }
            streamVersions.record(event)
            // The UTC day of its business time: the first ten characters of its ISO 8601 form.
            let day = String(BusinessTime.format(event.occurredAt).prefix(10))
            let found = search.found
            days[day, default: Counts()].add(found: found, text: search.digest != nil)
            if let digest = search.digest {
                queries[DayKey(day: day, key: digest), default: Counts()].add(found: found, text: true)
                searchers[SearcherKey(digest: digest, searcher: event.stream.rawValue)] = Searcher(sealedQuery: search.query, lastDay: day)
            }
            for filter in Set(search.filters) {
                filters[DayKey(day: day, key: filter), default: Counts()].add(found: found, text: false)
            }
        }
        return hold.drain()
    }

    /// Four tables, each written once by a ``BulkInsert`` of its own.
    var writesIndependentTables: Bool { true }

    func flush(on connection: PostgresConnection, logger: Logger) async throws {
        let dayRows = days.sorted { $0.key < $1.key }
        try await BulkInsert(
            table: "search_days",
            columns: [("day", "$1::date"), ("searches", "$2"), ("zero_results", "$3"), ("with_text", "$4")],
            conflict: """
                ON CONFLICT (day) DO UPDATE SET searches = search_days.searches + excluded.searches,
                    zero_results = search_days.zero_results + excluded.zero_results, with_text = search_days.with_text + excluded.with_text
                """
        ).write(
            [.text(dayRows.map(\.key)), .bigint(dayRows.map(\.value.searches)), .bigint(dayRows.map(\.value.zeroResults)), .bigint(dayRows.map(\.value.withText))],
            rowCount: dayRows.count, on: connection, logger: logger
        )
        for (table, key, rows) in [("search_queries", "query_digest", queries), ("search_filters", "filter", filters)] {
            let sorted = rows.sorted { ($0.key.day, $0.key.key) < ($1.key.day, $1.key.key) }
            try await BulkInsert(
                table: table,
                columns: [("day", "$1::date"), (key, "$2"), ("searches", "$3"), ("zero_results", "$4")],
                conflict: """
                    ON CONFLICT (day, \(key)) DO UPDATE SET searches = \(table).searches + excluded.searches,
                        zero_results = \(table).zero_results + excluded.zero_results
                    """
            ).write(
                [.text(sorted.map(\.key.day)), .text(sorted.map(\.key.key)), .bigint(sorted.map(\.value.searches)), .bigint(sorted.map(\.value.zeroResults))],
                rowCount: sorted.count, on: connection, logger: logger
            )
        }
        let searcherRows = searchers.sorted { ($0.key.digest, $0.key.searcher) < ($1.key.digest, $1.key.searcher) }
        try await BulkInsert(
            table: "search_query_searchers",
            columns: [("query_digest", "$1"), ("searcher", "$2"), ("sealed_query", "$3"), ("last_day", "$4::date")],
            conflict: """
                ON CONFLICT (query_digest, searcher) DO UPDATE SET sealed_query = excluded.sealed_query,
                    last_day = greatest(search_query_searchers.last_day, excluded.last_day)
                """
        ).write(
            [.text(searcherRows.map(\.key.digest)), .text(searcherRows.map(\.key.searcher)), .text(searcherRows.map(\.value.sealedQuery)),
             .text(searcherRows.map(\.value.lastDay))],
            rowCount: searcherRows.count, on: connection, logger: logger
        )
        days.removeAll(keepingCapacity: true)
        queries.removeAll(keepingCapacity: true)
        filters.removeAll(keepingCapacity: true)
        searchers.removeAll(keepingCapacity: true)
        try await streamVersions.write(projection: projection, on: connection, logger: logger)
    }
}
