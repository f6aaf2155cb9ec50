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
        try await client.withWatchedConnection { connection in
            try await Self.storeCheckpoint(position, for: subscription, on: connection, logger: self.logger)
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

extension PostgresEventStore {
    /// Locks a named subscription's checkpoint row for the caller's transaction (creating it at
    /// 0) and returns its position. Instances of one subscriber that commit their work with the
    /// checkpoint queue here, and each sees what the one before committed: an event at or below
    /// the position was handled already.
    public static func lockCheckpoint(_ subscription: String, on connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        try await connection.query(
            "INSERT INTO subscription_checkpoints (subscription_name, position) VALUES (\(subscription), 0) ON CONFLICT DO NOTHING",
            logger: logger
        )
        var position: Int64 = 0
        for try await value in try await connection.query(
            "SELECT position FROM subscription_checkpoints WHERE subscription_name = \(subscription) FOR UPDATE", logger: logger
        ).decode(Int64.self) {
            position = value
        }
        return position
    }
}
