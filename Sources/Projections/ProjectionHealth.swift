import EventStore
import Foundation
import Logging
import PostgresNIO

/// `projection_health`: how each read model stands against the store, independent of what the
/// broker delivers. Every event of a projection's categories at or below `checked_through` is
/// applied or parked; past it, an event is *unseen* when its stream's recorded version (or the
/// rebuild watermark) does not cover it, it is not parked, and its type is one the read model reads.
public enum ProjectionHealth {
    public struct Standing: Sendable {
        public let projection: String
        /// Every event at or below it is applied or parked.
        public let checkedThrough: Int64
        public let heals: Int64
        public let eventsHealed: Int64
        public let lastHealAt: Date?
    }

    /// The projection's standing; a read model never checked stands at 0.
    public static func standing(_ projection: some Projection, client: PostgresClient, logger: Logger) async throws -> Standing {
        let rows = try await client.query(
            "SELECT checked_through, heals, events_healed, last_heal_at FROM projection_health WHERE projection = \(projection.name)", logger: logger
        )
        for try await (checked, heals, healed, last) in rows.decode((Int64, Int64, Int64, Date?).self) {
            return Standing(projection: projection.name, checkedThrough: checked, heals: heals, eventsHealed: healed, lastHealAt: last)
        }
        return Standing(projection: projection.name, checkedThrough: 0, heals: 0, eventsHealed: 0, lastHealAt: nil)
    }

    /// The position of the first unseen event after `position` and at or below `limit`, if any.
    public static func firstUnseen(_ projection: some Projection, after position: Int64, through limit: Int64, client: PostgresClient, logger: Logger) async throws -> Int64? {
        let rows = try await client.query(unseen(projection, "e.global_position", after: position, through: limit, then: "ORDER BY e.global_position LIMIT 1"), logger: logger)
        for try await first in rows.decode(Int64.self) { return first }
        return nil
    }

    /// How many unseen events there are after `position` (exact: counted from the store).
    public static func countUnseen(_ projection: some Projection, after position: Int64, client: PostgresClient, logger: Logger) async throws -> Int64 {
        try await client.query(unseen(projection, "count(*)::bigint", after: position, through: .max, then: ""), logger: logger)
            .decode(Int64.self).collectAll()[0]
    }

    /// `SELECT <selected>` over the unseen events in (`position`, `limit`].
    private static func unseen(_ projection: some Projection, _ selected: String, after position: Int64, through limit: Int64, then tail: String) -> PostgresQuery {
        """
        SELECT \(unescaped: selected) FROM events e
        LEFT JOIN projection_stream_versions v ON v.projection = \(projection.name) AND v.stream_name = e.stream_name
        WHERE e.global_position > greatest(\(position), coalesce((SELECT w.position FROM projection_watermarks w WHERE w.projection = \(projection.name)), 0))
          AND e.global_position <= \(limit)
          AND e.stream_category = ANY(\(projection.categories.sorted())) AND e.event_type <> ALL(\(projection.ignoredEventTypes.sorted())::text[])
          AND (v.version IS NULL OR e.stream_version > v.version)
          AND NOT EXISTS (SELECT 1 FROM parked_events p WHERE p.projection = \(projection.name) AND p.position = e.global_position)
        \(unescaped: tail)
        """
    }

    /// Records that everything up to `position` is applied or parked.
    public static func recordChecked(_ projection: some Projection, through position: Int64, client: PostgresClient, logger: Logger) async throws {
        try await client.query(
            """
            INSERT INTO projection_health (projection, checked_through) VALUES (\(projection.name), \(position))
            ON CONFLICT (projection) DO UPDATE SET checked_through = greatest(projection_health.checked_through, excluded.checked_through), checked_at = now()
            """,
            logger: logger
        )
    }

    /// Applies, straight from the store, every event of the projection after `position` up to
    /// `limit` that it has not seen — what its consumer should have delivered — page by page,
    /// each page one transaction under ``ProjectionLock`` (so never beside a projector's batch),
    /// and records the self-heal — when there was anything left to apply (the consumer may have
    /// delivered it meanwhile).
    /// - Returns: the events applied (copies it had already are skipped, as from Kafka).
    public static func catchUp(
        _ projection: any Projection, after position: Int64, through limit: Int64, store: PostgresEventStore, pageSize: Int = 1000, logger: Logger
    ) async throws -> Int {
        let filter = EventFilter(categories: projection.categories.sorted(), excludedTypes: projection.ignoredEventTypes.sorted())
        var cursor = position
        var applied = 0
        while cursor < limit {
            let page = try await store.readAll(after: cursor, limit: pageSize, filter: filter, frontierWait: .zero)
            let events = page.events.filter { $0.position <= limit }
            if !events.isEmpty {
                applied += try await store.client.withWatchedTransaction(logger: logger) { connection in
                    try await ProjectionLock.acquire(on: connection, logger: logger)
                    return try await ProjectionApplier.apply(events, to: [projection], on: connection, logger: logger)
                }
            }
            guard page.nextPosition > cursor else { break }
            cursor = page.nextPosition
        }
        guard applied > 0 else { return 0 }
        try await store.client.query(
            """
            INSERT INTO projection_health (projection, heals, events_healed, last_heal_at) VALUES (\(projection.name), 1, \(Int64(applied)), now())
            ON CONFLICT (projection) DO UPDATE SET heals = projection_health.heals + 1,
                events_healed = projection_health.events_healed + excluded.events_healed, last_heal_at = now()
            """,
            logger: store.logger
        )
        return applied
    }
}
