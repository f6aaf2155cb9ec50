import EventStore
import Foundation
import Logging
import PostgresNIO

/// The outbox read as a delivery log for admins: every mail, what it was, to whom, and how its
/// delivery went (the message itself is wiped once sent).
public enum MailDeliveryLog {
    public struct Entry: Sendable, Codable, Equatable {
        public var mailId: UUID
        public var kind: String
        public var recipient: String
        public var status: String
        public var attempts: Int
        public var lastError: String?
        public var eventId: UUID?
        public var createdAt: Date
        public var sentAt: Date?
        /// When the next attempt is due, while pending.
        public var nextAttemptAt: Date?
    }

    public static let statuses = ["pending", "sent", "failed", "skipped"]

    /// The newest mails first, optionally of one status, kind, event or customer.
    public static func list(
        status: String? = nil, kind: NotificationKind? = nil, eventID: UUID? = nil, userID: String? = nil, limit: Int, client: PostgresClient, logger: Logger
    ) async throws -> [Entry] {
        try await client.query(
            """
            SELECT mail_id, kind, recipient, status, attempts, last_error, event_id, created_at, sent_at,
                   CASE WHEN status = 'pending' THEN next_attempt_at END
            FROM mail_outbox
            WHERE (\(status)::text IS NULL OR status = \(status)) AND (\(kind?.rawValue)::text IS NULL OR kind = \(kind?.rawValue))
              AND (\(eventID)::uuid IS NULL OR event_id = \(eventID)) AND (\(userID)::text IS NULL OR user_id = \(userID))
            ORDER BY created_at DESC, mail_id LIMIT \(limit)
            """,
            logger: logger
        ).decode((UUID, String, String, String, Int, String?, UUID?, Date, Date?, Date?).self).collectAll().map {
            Entry(mailId: $0.0, kind: $0.1, recipient: $0.2, status: $0.3, attempts: $0.4, lastError: $0.5, eventId: $0.6, createdAt: $0.7, sentAt: $0.8, nextAttemptAt: $0.9)
        }
    }
}
