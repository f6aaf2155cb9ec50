import Crypto
import Foundation
import Logging
import PostgresNIO

/// Single-use tokens sent by e-mail: to verify an address, to reset a password. Stored hashed
/// (SHA-256), like refresh tokens: the table alone lets nobody verify or reset anything.
struct AccountTokens: Sendable {
    enum Purpose: String, Sendable {
        case verifyEmail = "verify_email"
        case resetPassword = "reset_password"

        /// A verification link may wait in an inbox for a day; a reset link must be used at once.
        var lifetime: TimeInterval {
            switch self {
            case .verifyEmail: 24 * 3600
            case .resetPassword: 30 * 60
            }
        }
    }

    /// A new token for the account; the account's earlier tokens of the purpose stop working
    /// (a second reset e-mail invalidates the first).
    static func issue(_ purpose: Purpose, for userID: String, on connection: PostgresConnection, logger: Logger) async throws -> String {
        let token = AccessTokens.randomToken()
        let expires = Date().addingTimeInterval(purpose.lifetime)
        try await connection.query("DELETE FROM account_tokens WHERE user_id = \(userID) AND purpose = \(purpose.rawValue)", logger: logger)
        try await connection.query(
            """
            INSERT INTO account_tokens (token_hash, user_id, purpose, expires_at)
            VALUES (\(hash(token)), \(userID), \(purpose.rawValue), \(expires))
            """,
            logger: logger
        )
        return token
    }

    /// Spends a token: the account it was issued to, when it is of the purpose, unused and
    /// unexpired; nil otherwise (the caller cannot tell which).
    static func spend(_ token: String, for purpose: Purpose, on connection: PostgresConnection, logger: Logger) async throws -> String? {
        try await connection.query(
            """
            UPDATE account_tokens SET used_at = now()
            WHERE token_hash = \(hash(token)) AND purpose = \(purpose.rawValue) AND used_at IS NULL AND expires_at > now()
            RETURNING user_id
            """,
            logger: logger
        ).decode(String.self).collectAll().first
    }

    private static func hash(_ token: String) -> ByteBuffer {
        ByteBuffer(bytes: SHA256.hash(data: Data(token.utf8)))
    }
}
