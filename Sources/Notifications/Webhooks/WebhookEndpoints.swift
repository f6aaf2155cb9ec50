import EventStore
import Foundation
import Logging
import PostgresNIO

/// The SQL of `webhook_endpoints` (`0016_notifications.sql`).
public enum WebhookEndpoints {
    static let columns = "endpoint_id, url, event_types, description, created_at, deleted_at"

    /// Registers an endpoint. - Returns: it, and the secret (shown once).
    public static func create(_ draft: WebhookEndpoint.Draft, client: PostgresClient, logger: Logger) async throws -> (WebhookEndpoint, secret: String) {
        let id = RandomIdentifier.uuid()
        let secret = draft.secret ?? WebhookEndpoint.Draft.generatedSecret()
        let rows = try await client.query(
            """
            INSERT INTO webhook_endpoints (endpoint_id, url, event_types, secret, description)
            VALUES (\(id), \(draft.url), \(draft.eventTypes), \(secret), \(draft.description ?? ""))
            RETURNING \(unescaped: columns)
            """,
            logger: logger
        )
        // INSERT … RETURNING gives exactly the row it wrote.
        return (try await decode(rows)[0], secret)
    }

    /// The endpoints not deleted, oldest first.
    public static func active(client: PostgresClient, logger: Logger) async throws -> [WebhookEndpoint] {
        try await decode(client.query("SELECT \(unescaped: columns) FROM webhook_endpoints WHERE deleted_at IS NULL ORDER BY created_at, endpoint_id", logger: logger))
    }

    public static func find(_ id: UUID, client: PostgresClient, logger: Logger) async throws -> WebhookEndpoint? {
        try await decode(client.query("SELECT \(unescaped: columns) FROM webhook_endpoints WHERE endpoint_id = \(id)", logger: logger)).first
    }

    /// What the notifier needs for each batch: every active endpoint and the types it takes.
    public static func subscriptions(on connection: PostgresConnection, logger: Logger) async throws -> [(id: UUID, eventTypes: [String])] {
        try await connection.query("SELECT endpoint_id, event_types FROM webhook_endpoints WHERE deleted_at IS NULL", logger: logger)
            .decode((UUID, [String]).self).collectAll().map { (id: $0.0, eventTypes: $0.1) }
    }

    /// Deletes an endpoint: it receives nothing more, its pending deliveries end as dead, and its
    /// delivery log stays. - Returns: false when there was no such active endpoint.
    public static func delete(_ id: UUID, client: PostgresClient, logger: Logger) async throws -> Bool {
        try await client.withWatchedTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                "UPDATE webhook_endpoints SET deleted_at = now() WHERE endpoint_id = \(id) AND deleted_at IS NULL RETURNING 1", logger: logger
            ).collect()
            guard !rows.isEmpty else { return false }
            try await connection.query(
                """
                UPDATE webhook_deliveries SET status = 'dead', finished_at = now(), last_error = 'the endpoint was deleted'
                WHERE endpoint_id = \(id) AND status = 'pending'
                """,
                logger: logger
            )
            return true
        }
    }

    static func decode(_ rows: some AsyncSequence<PostgresRow, any Error> & Sendable) async throws -> [WebhookEndpoint] {
        try await rows.decode((UUID, String, [String], String, Date, Date?).self).collectAll().map {
            WebhookEndpoint(id: $0.0, url: $0.1, eventTypes: $0.2, description: $0.3, createdAt: $0.4, deletedAt: $0.5)
        }
    }
}
