import Logging
import PostgresNIO

extension PostgresEventStore {
    /// The stored position of a named subscription; 0 when it has none yet.
    public func checkpoint(of subscription: String) async throws -> Int64 {
        let rows = try await client.query(
            "SELECT position FROM subscription_checkpoints WHERE subscription_name = \(subscription)", logger: logger
        )
        for try await position in rows.decode(Int64.self) { return position }
        return 0
    }

    /// Stores a named subscription's position; it never moves backwards.
    public func storeCheckpoint(_ position: Int64, for subscription: String) async throws {
        try await client.withConnection { connection in
            try await Self.storeCheckpoint(position, for: subscription, on: connection, logger: logger)
        }
    }
}

extension PostgresEventStore {
    /// Stores a named subscription's position inside the caller's transaction, so it commits
    /// with what the subscriber wrote for the events up to there.
    public static func storeCheckpoint(_ position: Int64, for subscription: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO subscription_checkpoints (subscription_name, position) VALUES (\(subscription), \(position))
            ON CONFLICT (subscription_name) DO UPDATE
               SET position = greatest(subscription_checkpoints.position, excluded.position), updated_at = now()
            """,
            logger: logger
        )
    }
}
