import EventStore
import Logging
import PostgresNIO

/// Where a read model stands, counted from the store (exact whatever the broker reports).
public enum ProjectionStatus {
    /// Events of the projection's categories it has not applied (nor parked), counted from the
    /// store past the position its safety net last found everything applied
    /// (``ProjectionHealth``), so the count stays cheap on a long log.
    public static func eventsBehind(_ projection: some Projection, client: PostgresClient, logger: Logger) async throws -> Int64 {
        let standing = try await ProjectionHealth.standing(projection, client: client, logger: logger)
        return try await ProjectionHealth.countUnseen(projection, after: standing.checkedThrough, client: client, logger: logger)
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
