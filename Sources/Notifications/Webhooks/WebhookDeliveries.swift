import EventStore
import Foundation
import Logging
import PostgresNIO

/// The SQL of `webhook_deliveries` and `webhook_attempts` (`0016_notifications.sql`).
public enum WebhookDeliveries {
    /// Writes one delivery per endpoint for an event, once: an event seen again writes nothing.
    public static func enqueue(
        eventID: UUID, eventType: String, stream: String, position: Int64, body: String, endpoints: [UUID],
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard !endpoints.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO webhook_deliveries (delivery_id, endpoint_id, event_id, event_type, stream, position, body)
            SELECT gen_random_uuid(), endpoint, \(eventID), \(eventType), \(stream), \(position), \(body) FROM unnest(\(endpoints)) AS endpoint
            ON CONFLICT (endpoint_id, event_id) DO NOTHING
            """,
            logger: logger
        )
    }

    /// A delivery taken to be sent now.
    struct Claimed: Sendable {
        var id: UUID
        var attempt: Int
        var firstAttemptAt: Date
        var body: String
        var eventID: UUID
        var eventType: String
        var url: String
        var secret: String
    }

    /// Whether anything is due: one indexed read, no locks.
    static func anyDue(at now: Date, client: PostgresClient, logger: Logger) async throws -> Bool {
        try await client.query("SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= \(now))", logger: logger)
            .decode(Bool.self).collectAll().first ?? false
    }

    /// Claims up to `limit` due deliveries for `lease`: each the oldest pending one of its
    /// endpoint's stream, so that an aggregate's events reach an endpoint in order. A claim
    /// counts as an attempt; a sender that dies holding one leaves it to be claimed again when
    /// the lease ends.
    static func claim(at now: Date, limit: Int, lease: TimeInterval, client: PostgresClient, logger: Logger) async throws -> [Claimed] {
        let leaseEnd = now.addingTimeInterval(lease)
        return try await client.query(
            """
            WITH due AS (
                SELECT d.delivery_id FROM webhook_deliveries d
                WHERE d.status = 'pending' AND d.next_attempt_at <= \(now)
                  AND NOT EXISTS (
                      SELECT 1 FROM webhook_deliveries e
                      WHERE e.endpoint_id = d.endpoint_id AND e.stream = d.stream AND e.status = 'pending' AND e.position < d.position)
                ORDER BY d.next_attempt_at LIMIT \(limit)
                FOR UPDATE OF d SKIP LOCKED)
            UPDATE webhook_deliveries w
            SET attempts = w.attempts + 1, next_attempt_at = \(leaseEnd), first_attempt_at = coalesce(w.first_attempt_at, \(now))
            FROM due, webhook_endpoints p
            WHERE w.delivery_id = due.delivery_id AND p.endpoint_id = w.endpoint_id
            RETURNING w.delivery_id, w.attempts, w.first_attempt_at, w.body, w.event_id, w.event_type, p.url, p.secret
            """,
            logger: logger
        ).decode((UUID, Int, Date, String, UUID, String, String, String).self).collectAll().map {
            Claimed(id: $0.0, attempt: $0.1, firstAttemptAt: $0.2, body: $0.3, eventID: $0.4, eventType: $0.5, url: $0.6, secret: $0.7)
        }
    }

    /// Records an attempt's outcome: delivered, to be tried again at `retryAt`, or (neither) dead.
    static func record(
        _ claimed: Claimed, startedAt: Date, duration: Duration, statusCode: Int?, error: String?, delivered: Bool, retryAt: Date?, finishedAt: Date,
        client: PostgresClient, logger: Logger
    ) async throws {
        let milliseconds = Int(duration / .milliseconds(1))
        let status = delivered ? "delivered" : (retryAt == nil ? "dead" : "pending")
        try await client.withWatchedTransaction(logger: logger) { connection in
            try await connection.query(
                """
                INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error)
                VALUES (\(claimed.id), \(claimed.attempt), \(startedAt), \(milliseconds), \(statusCode), \(error))
                ON CONFLICT (delivery_id, attempt) DO NOTHING
                """,
                logger: logger
            )
            try await connection.query(
                """
                UPDATE webhook_deliveries SET status = \(status), last_status = \(statusCode), last_error = \(error),
                    next_attempt_at = coalesce(\(retryAt), next_attempt_at),
                    finished_at = CASE WHEN \(status) = 'pending' THEN NULL ELSE \(finishedAt) END
                WHERE delivery_id = \(claimed.id) AND status = 'pending'
                """,
                logger: logger
            )
        }
    }

    /// An endpoint's deliveries, newest first, each with its attempts.
    public static func log(
        endpoint: UUID, status: WebhookDelivery.Status? = nil, delivery: UUID? = nil, limit: Int, client: PostgresClient, logger: Logger
    ) async throws -> [WebhookDelivery] {
        let rows = try await client.query(
            """
            SELECT delivery_id, endpoint_id, event_id, event_type, stream, position, status, attempts,
                   CASE WHEN status = 'pending' THEN next_attempt_at END, last_status, last_error, created_at, finished_at
            FROM webhook_deliveries
            WHERE endpoint_id = \(endpoint) AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
              AND (\(delivery)::uuid IS NULL OR delivery_id = \(delivery))
            ORDER BY created_at DESC, position DESC LIMIT \(limit)
            """,
            logger: logger
        ).decode((UUID, UUID, UUID, String, String, Int64, String, Int, Date?, Int?, String?, Date, Date?).self).collectAll()
        var deliveries = rows.map {
            WebhookDelivery(id: $0.0, endpointID: $0.1, eventID: $0.2, eventType: $0.3, stream: $0.4, position: $0.5,
                            status: WebhookDelivery.Status(rawValue: $0.6) ?? .pending, attempts: $0.7, nextAttemptAt: $0.8,
                            lastStatus: $0.9, lastError: $0.10, createdAt: $0.11, finishedAt: $0.12, attemptLog: [])
        }
        guard !deliveries.isEmpty else { return [] }
        let attempts = try await client.query(
            """
            SELECT delivery_id, attempt, started_at, duration_ms, status_code, error FROM webhook_attempts
            WHERE delivery_id = ANY(\(deliveries.map(\.id))) ORDER BY attempt
            """,
            logger: logger
        ).decode((UUID, Int, Date, Int, Int?, String?).self).collectAll()
        let byDelivery = Dictionary(grouping: attempts, by: \.0)
        for index in deliveries.indices {
            deliveries[index].attemptLog = (byDelivery[deliveries[index].id] ?? []).map {
                WebhookDelivery.Attempt(attempt: $0.1, startedAt: $0.2, durationMs: $0.3, statusCode: $0.4, error: $0.5)
            }
        }
        return deliveries
    }

    /// Sends a delivery again, whatever became of it: pending now, with a new deadline.
    /// - Returns: the delivery, or nil when the endpoint has no such delivery (or is deleted).
    public static func redeliver(_ delivery: UUID, endpoint: UUID, client: PostgresClient, logger: Logger) async throws -> WebhookDelivery? {
        let rows = try await client.query(
            """
            UPDATE webhook_deliveries d SET status = 'pending', next_attempt_at = now(), first_attempt_at = NULL, finished_at = NULL
            FROM webhook_endpoints p
            WHERE d.delivery_id = \(delivery) AND d.endpoint_id = \(endpoint) AND p.endpoint_id = d.endpoint_id AND p.deleted_at IS NULL
            RETURNING 1
            """,
            logger: logger
        ).collect()
        guard !rows.isEmpty else { return nil }
        return try await log(endpoint: endpoint, delivery: delivery, limit: 1, client: client, logger: logger).first
    }
}
