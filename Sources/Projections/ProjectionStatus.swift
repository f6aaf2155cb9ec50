import EventStore
import Logging
import PostgresNIO

/// Where a read model stands, counted from the store (exact whatever the broker reports).
public enum ProjectionStatus {
    /// Events of the projection's categories past the version it recorded for their stream.
    public static func eventsBehind(_ projection: some Projection, client: PostgresClient, logger: Logger) async throws -> Int64 {
        try await client.query(
            """
            SELECT count(*)::bigint FROM events e
            LEFT JOIN projection_stream_versions v ON v.projection = \(projection.name) AND v.stream_name = e.stream_name
            WHERE e.stream_category = ANY(\(projection.categories.sorted())) AND (v.version IS NULL OR e.stream_version > v.version)
            """,
            logger: logger
        ).decode(Int64.self).collectAll()[0]
    }

    /// Each of the projection's tables with its row count.
    public static func rowCounts(_ projection: some Projection, client: PostgresClient, logger: Logger) async throws -> [(table: String, rows: Int64)] {
        var counts: [(String, Int64)] = []
        for table in projection.tables {
            // Table names come from the projection's own definition, never from input.
            let rows = try await client.query(PostgresQuery(unsafeSQL: "SELECT count(*)::bigint FROM \(table)"), logger: logger).decode(Int64.self).collectAll()
            counts.append((table, rows.first ?? 0))
        }
        return counts
    }
}
