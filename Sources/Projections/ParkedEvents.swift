import Aggregates
import EventStore
import Foundation
import Logging
import PostgresNIO

/// An event a read model did not apply: it could not (an unknown schema version, a payload that
/// does not decode), or an earlier event of its stream is parked and the stream's order must hold.
public struct ParkedEvent: Sendable {
    public let event: RecordedEvent
    public let error: String

    public init(_ event: RecordedEvent, error: String) {
        self.event = event
        self.error = error
    }

    static func heldBehind(_ event: RecordedEvent) -> ParkedEvent {
        ParkedEvent(event, error: "held behind an earlier parked event of \(event.stream)")
    }
}

/// `parked_events`: what each read model could not apply, never skipped unseen. The projection
/// goes on past them; `commerce projections status` counts them; ``retry(_:store:logger:)``
/// applies them again after a fix.
public enum ParkedEvents {
    /// Records parked events in the tables the connection's `search_path` finds first.
    static func park(_ parked: [ParkedEvent], projection: String, on connection: PostgresConnection, logger: Logger) async throws {
        for item in parked {
            logger.error("read model parked an event it cannot apply", metadata: [
                "projection": "\(projection)", "position": "\(item.event.position)", "type": "\(item.event.type)", "error": "\(item.error)",
            ])
        }
        guard !parked.isEmpty else { return }
        try await BulkInsert(
            table: "parked_events",
            columns: [("projection", "$1"), ("position", "$2"), ("stream_name", "$3"), ("stream_version", "$4"), ("event_type", "$5"), ("error", "$6")],
            // A redelivered copy keeps the first error (the cause, not "held behind").
            conflict: "ON CONFLICT (projection, position) DO NOTHING"
        ).write(
            [.text(Array(repeating: projection, count: parked.count)), .bigint(parked.map(\.event.position)), .text(parked.map(\.event.stream.rawValue)),
             .bigint(parked.map(\.event.version)), .text(parked.map(\.event.type)), .text(parked.map(\.error))],
            rowCount: parked.count, on: connection, logger: logger
        )
    }

    /// How many events each projection has parked.
    public static func counts(client: PostgresClient, logger: Logger) async throws -> [String: Int64] {
        var counts: [String: Int64] = [:]
        for try await (projection, count) in try await client.query(
            "SELECT projection, count(*)::bigint FROM parked_events GROUP BY projection", logger: logger
        ).decode((String, Int64).self) {
            counts[projection] = count
        }
        return counts
    }

    public struct RetryReport: Sendable {
        public let applied: Int
        public let stillParked: Int
    }

    /// Applies a projection's parked events again, in global order, under ``ProjectionLock``:
    /// those that now apply leave the table, the others stay with their new error.
    public static func retry(_ projection: any Projection, store: PostgresEventStore, logger: Logger) async throws -> RetryReport {
        try await store.client.withWatchedTransaction(logger: logger) { connection in
            try await ProjectionLock.acquire(on: connection, logger: logger)
            let rows = try await connection.query(
                "SELECT position FROM parked_events WHERE projection = \(projection.name) ORDER BY position FOR UPDATE", logger: logger
            )
            var positions: [Int64] = []
            for try await position in rows.decode(Int64.self) { positions.append(position) }
            let events = try await store.events(at: positions)
            try await connection.query("DELETE FROM parked_events WHERE projection = \(projection.name)", logger: logger)
            let builder = projection.makeBuilder()
            let parked = try await builder.add(events, loadingFrom: connection, logger: logger)
            try await builder.flush(on: connection, logger: logger)
            try await park(parked, projection: projection.name, on: connection, logger: logger)
            return RetryReport(applied: events.count - parked.count, stillParked: parked.count)
        }
    }
}
