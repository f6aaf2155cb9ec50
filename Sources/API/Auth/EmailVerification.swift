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

    static let invalidToken = Problem(.badRequest, "invalid_email_token", "the token is unknown, used or expired; ask for a new e-mail", fields: ["field": .string("token")])

    /// Mails a new verification token (the earlier ones stop working).
    /// - Throws: 409 `email_already_verified`; 429 past the e-mail request limits.
    func resend(for userID: String, from address: String) async throws {
        let rows = try await client.query("SELECT email, email_verified_at IS NOT NULL FROM users WHERE user_id = \(userID)", logger: logger)
            .decode((String, Bool).self).collectAll()
        guard let (email, verified) = rows.first else { throw Problem(.unauthorized, "invalid_token", "the account no longer exists") }
        guard !verified else { throw Problem(.conflict, "email_already_verified", "this account's e-mail address is verified already") }
        try await limits.countMailRequest(for: email, from: address)
        try await client.withTransaction(logger: logger) { connection in
            let token = try await AccountTokens.issue(.verifyEmail, for: userID, on: connection, logger: logger)
            try await MailOutbox.enqueue(mails.verifyEmail(to: email, token: token), kind: .verifyEmail, userID: userID, on: connection, logger: logger)
        }
    }

    /// Spends a verification token. - Returns: the address it verified.
    /// - Throws: 400 `invalid_email_token`.
    func verify(_ token: String) async throws -> String {
        let email: String? = try await client.withTransaction(logger: logger) { connection in
            guard let userID = try await AccountTokens.spend(token, for: .verifyEmail, on: connection, logger: logger) else { return nil }
            return try await connection.query(
                "UPDATE users SET email_verified_at = coalesce(email_verified_at, now()) WHERE user_id = \(userID) RETURNING email", logger: logger
            ).decode(String.self).collectAll().first
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
