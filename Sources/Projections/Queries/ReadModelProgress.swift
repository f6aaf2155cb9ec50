import EventStore
import Logging
import PostgresNIO

/// Whether a read model has applied the event at a global position: what read-your-writes
/// waits for after a command answered that position.
public struct ReadModelProgress: Sendable {
    public enum Answer: Sendable, Equatable {
        /// Applied, or not an event of this read model at all.
        case reached
        case behind
        /// No event has this position.
        case noSuchEvent
    }

    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func check(_ position: Int64, in projection: some Projection) async throws -> Answer {
        // The event's stream and version, and the version the read model has reached for it.
        let rows = try await client.query(
            """
            SELECT e.stream_category, e.stream_version, coalesce(v.version, 0)
            FROM events e LEFT JOIN projection_stream_versions v ON v.projection = \(projection.name) AND v.stream_name = e.stream_name
            WHERE e.global_position = \(position)
            """,
            logger: logger
        ).decode((String, Int64, Int64).self).collectAll()
        guard let (category, version, reached) = rows.first else { return .noSuchEvent }
        return !projection.categories.contains(category) || reached >= version ? .reached : .behind
    }
}
