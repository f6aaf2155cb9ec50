import Foundation
import Logging
import Mail
import PostgresNIO

/// Account e-mails leave through the `mail_outbox` table (`0014_account_mail.sql`): written in
/// the transaction that decides to send them, so a mail is sent exactly when its decision
/// commits, and delivered by ``MailOutboxSender`` — off the request, so answering takes the same
/// time whether a mail goes out or not.
enum MailOutbox {
    /// What a mail is, for the delivery log.
    enum Kind: String, Sendable {
        case verifyEmail = "verify_email"
        case resetPassword = "reset_password"
        case alreadyRegistered = "already_registered"
    }

    static func enqueue(_ message: MailMessage, kind: Kind, userID: String?, on connection: PostgresConnection, logger: Logger) async throws {
        let json = String(decoding: try JSONEncoder().encode(message), as: UTF8.self)
        try await connection.query(
            """
            INSERT INTO mail_outbox (mail_id, user_id, kind, recipient, message)
            VALUES (\(UUID()), \(userID), \(kind.rawValue), \(message.to.address), \(json))
            """,
            logger: logger
        )
    }
}
