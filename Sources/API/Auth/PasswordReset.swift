import Notifications
import Foundation
import Logging
import PostgresNIO

/// A forgotten password: a request mails a single-use token (valid 30 minutes; a new request
/// invalidates the earlier token), and the token sets a new password. The request's answer is
/// the same whether the address has an account or not. A reset signs out every session, lifts a
/// lockout, and — the token having reached the mailbox — counts the address as verified.
struct PasswordReset: Sendable {
    let accounts: Accounts
    let mails: AccountMails
    let limits: AuthLimits
    let logger: Logger

    static let invalidToken = Problem(.unprocessableContent, "invalid_reset_token", "the token is unknown, used or expired; ask for a new e-mail", fields: ["field": .string("token")])

    func request(email: String, from address: String) async throws {
        let email = try Accounts.normalized(email)
        try await limits.countMailRequest(for: email, from: address)
        try await accounts.client.withWatchedTransaction(logger: logger) { connection in
            let rows = try await connection.query("SELECT user_id FROM users WHERE email = \(email) AND blocked_at IS NULL", logger: logger)
                .decode(String.self).collectAll()
            guard let userID = rows.first else { return }
            let token = try await AccountTokens.issue(.resetPassword, for: userID, on: connection, logger: logger)
            let locale = try await NotificationPreferences.locale(of: userID, on: connection, logger: logger)
            try await MailOutbox.enqueue(mails.resetPassword(to: email, token: token, locale: locale), kind: .resetPassword, userID: userID, on: connection, logger: logger)
        }
    }

    /// - Throws: 422 `invalid_reset_token`, or the password rules' problems (field `newPassword`).
    func reset(token: String, newPassword: String) async throws {
        try Accounts.checkPassword(newPassword, field: "newPassword")
        let hash = try await accounts.hashPassword(newPassword)
        let email: String? = try await accounts.client.withWatchedTransaction(logger: logger) { connection in
            guard let userID = try await AccountTokens.spend(token, for: .resetPassword, on: connection, logger: logger) else { return nil }
            let email = try await connection.query(
                """
                UPDATE users SET password_hash = \(hash), email_verified_at = coalesce(email_verified_at, now())
                WHERE user_id = \(userID) RETURNING email
                """,
                logger: logger
            ).decode(String.self).collectAll().first
            try await Sessions.revoke(of: userID, except: nil, on: connection, logger: logger)
            return email
        }
        guard let email else { throw Self.invalidToken }
        try await limits.succeeded(email)
    }
}
