import EventStore
import Logging
import PostgresNIO

/// A read model: applies events of its stream categories to its tables, inside a transaction
/// the caller owns (together with the caller's position: Kafka offsets, or a rebuild's).
public protocol Projection: Sendable {
    /// Stable name: the key of its dedupe state.
    var name: String { get }
    var categories: Set<String> { get }
    /// Its tables (in `public`), which a rebuild replaces as a whole.
    var tables: [String] { get }
    func apply(_ event: RecordedEvent, on connection: PostgresConnection, logger: Logger) async throws
}

/// Applies events to projections, each event at most once per projection: an event whose
/// stream version the projection has already reached is a redelivered copy and is skipped.
public enum ProjectionApplier {
    /// - Returns: how many (event, projection) applications were made; skipped copies do not count.
    @discardableResult
    public static func apply(
        _ events: [RecordedEvent], to projections: [any Projection], on connection: PostgresConnection, logger: Logger
    ) async throws -> Int {
        var applied = 0
        for event in events {
            for projection in projections where projection.categories.contains(String(event.category)) {
                let claimed = try await connection.query(
                    """
                    INSERT INTO projection_stream_versions (projection, stream_name, version)
                    VALUES (\(projection.name), \(event.stream.rawValue), \(event.version))
                    ON CONFLICT (projection, stream_name) DO UPDATE SET version = excluded.version
                    WHERE projection_stream_versions.version < excluded.version
                    RETURNING 1
                    """,
                    logger: logger
                )
                var isNew = false
                for try await _ in claimed { isNew = true }
                guard isNew else { continue }
                try await projection.apply(event, on: connection, logger: logger)
                applied += 1
            }
        }
        return applied
    }
}

/// The lock every read-model write from Kafka holds for its transaction, and a rebuild's swap
/// takes too: a swap never interleaves with a projector's batch.
public enum ProjectionLock {
    public static let key: Int64 = 1_668_246_894

    public static func acquire(on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(\(key))", logger: logger)
    }
}
