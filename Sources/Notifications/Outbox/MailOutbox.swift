import EventStore
import Foundation
import Logging
import Mail
import PostgresNIO

/// Every e-mail leaves through the `mail_outbox` table (`0014_account_mail.sql`,
/// `0016_notifications.sql`): written in the transaction that decides to send it, so a mail is
/// sent exactly when its decision commits, and delivered by ``MailOutboxSender`` — off the
/// request or the consumer, so neither waits for an SMTP server.
public enum MailOutbox {
    /// Writes an account mail (no event caused it, so no delivery key).
    public static func enqueue(_ message: MailMessage, kind: NotificationKind, userID: String?, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO mail_outbox (mail_id, user_id, kind, recipient, message)
            VALUES (\(RandomIdentifier.uuid()), \(userID), \(kind.rawValue), \(message.to.address), \(try json(message)))
            """,
            logger: logger
        )
    }

    /// Writes the mail an event leads to, once: a second write with the same delivery key (the
    /// event redelivered, another consumer's copy) changes nothing.
    /// - Parameter skipReason: when set, the mail is recorded as decided but not sent, and why.
    /// - Returns: whether this call wrote it.
    @discardableResult
    public static func enqueue(
        _ message: MailMessage, kind: NotificationKind, userID: String, deliveryKey: String, eventID: UUID, skipReason: String? = nil,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> Bool {
        let status = skipReason == nil ? "pending" : "skipped"
        let body: String? = skipReason == nil ? try json(message) : nil
        let rows = try await connection.query(
            """
            INSERT INTO mail_outbox (mail_id, user_id, kind, recipient, message, delivery_key, event_id, status, last_error)
            VALUES (\(RandomIdentifier.uuid()), \(userID), \(kind.rawValue), \(message.to.address), \(body), \(deliveryKey), \(eventID), \(status), \(skipReason))
            ON CONFLICT (delivery_key) DO NOTHING RETURNING 1
            """,
            logger: logger
        ).collect()
        return !rows.isEmpty
    }

    /// The delivery key of the mail of `kind` that event `eventID` sends to `userID`.
    public static func deliveryKey(eventID: UUID, kind: NotificationKind, userID: String) -> String {
        "\(eventID.uuidString.lowercased())/email/\(kind.rawValue)/\(userID)"
    }

    private static func json(_ message: MailMessage) throws -> String {
        String(decoding: try JSONEncoder().encode(message), as: UTF8.self)
    }
}
