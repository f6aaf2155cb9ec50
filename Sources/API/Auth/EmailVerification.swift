import Notifications
import Foundation
import Logging
import PostgresNIO

/// Proving an account's e-mail address: the token mailed at registration (or resent on
/// request) marks it verified. Checkout may require it (``AccountMailSettings``).
struct EmailVerification: Sendable {
    let client: PostgresClient
    let mails: AccountMails
    let limits: AuthLimits
    let logger: Logger

    static let invalidToken = Problem(.unprocessableContent, "invalid_email_token", "the token is unknown, used or expired; ask for a new e-mail", fields: ["field": .string("token")])

    /// Mails a new verification token (the earlier ones stop working).
    /// - Throws: 409 `email_already_verified`; 429 past the e-mail request limits.
    func resend(for userID: String, from address: String) async throws {
        let rows = try await client.query("SELECT email, email_verified_at IS NOT NULL FROM users WHERE user_id = \(userID)", logger: logger)
            .decode((String, Bool).self).collectAll()
        guard let (email, verified) = rows.first else { throw Problem(.unauthorized, "invalid_token", "the account no longer exists") }
        guard !verified else { throw Problem(.conflict, "email_already_verified", "this account's e-mail address is verified already") }
        try await limits.countMailRequest(for: email, from: address)
        try await client.withWatchedTransaction(logger: logger) { connection in
            let token = try await AccountTokens.issue(.verifyEmail, for: userID, on: connection, logger: logger)
            let locale = try await NotificationPreferences.locale(of: userID, on: connection, logger: logger)
            try await MailOutbox.enqueue(mails.verifyEmail(to: email, token: token, locale: locale), kind: .verifyEmail, userID: userID, on: connection, logger: logger)
        }
    }

    /// Spends a verification token. - Returns: the address it verified.
    /// - Throws: 422 `invalid_email_token`.
    func verify(_ token: String) async throws -> String {
        let email: String? = try await client.withWatchedTransaction(logger: logger) { connection in
            guard let userID = try await AccountTokens.spend(token, for: .verifyEmail, on: connection, logger: logger) else { return nil }
            // The first verification also welcomes the customer, in their language.
            let rows = try await connection.query(
                """
                UPDATE users u SET email_verified_at = coalesce(u.email_verified_at, now())
                FROM (SELECT user_id, email_verified_at IS NULL AS first FROM users WHERE user_id = \(userID) FOR UPDATE) before
                WHERE u.user_id = before.user_id RETURNING u.email, before.first
                """,
                logger: logger
            ).decode((String, Bool).self).collectAll()
            guard let (email, first) = rows.first else { return nil }
            if first {
                let locale = try await NotificationPreferences.locale(of: userID, on: connection, logger: logger)
                try await MailOutbox.enqueue(mails.welcome(to: email, locale: locale), kind: .welcome, userID: userID, on: connection, logger: logger)
            }
            return email
        }
        guard let email else { throw Self.invalidToken }
        return email
    }

    /// Whether the account's address is verified.
    func isVerified(_ userID: String) async throws -> Bool {
        try await client.query("SELECT email_verified_at IS NOT NULL FROM users WHERE user_id = \(userID)", logger: logger)
            .decode(Bool.self).collectAll().first ?? false
    }
}
