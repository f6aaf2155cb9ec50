import Foundation
import Logging
import PostgresNIO

/// A customer's sessions: each sign-in starts one (a refresh-token family, see ``Accounts``);
/// renewing its tokens keeps it; signing out, a password change or a reused refresh token ends
/// it. Ending a session revokes its refresh tokens at once; an access token already issued in it
/// lapses within its 15 minutes.
struct Sessions: Sendable {
    struct Session: Codable, Sendable {
        let id: UUID
        let createdAt: Date
        let lastUsedAt: Date
        /// The client address and User-Agent of the sign-in, or of the latest renewal.
        let address: String
        let userAgent: String
        /// The session of the access token the list was asked with.
        let current: Bool
    }

    let client: PostgresClient
    let logger: Logger

    /// The caller's sessions still open (a refresh token of theirs can still renew them), oldest first.
    func open(of principal: Principal) async throws -> [Session] {
        let rows = try await client.query(
            """
            SELECT s.session_id, s.created_at, s.last_used_at, s.address, s.user_agent FROM sessions s
            WHERE s.user_id = \(principal.userID) AND s.revoked_at IS NULL
              AND EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.family_id = s.session_id AND t.used_at IS NULL AND t.revoked_at IS NULL AND t.expires_at > now())
            ORDER BY s.created_at, s.session_id
            """,
            logger: logger
        ).decode((UUID, Date, Date, String, String).self).collectAll()
        return rows.map { Session(id: $0.0, createdAt: $0.1, lastUsedAt: $0.2, address: $0.3, userAgent: $0.4, current: $0.0 == principal.sessionID) }
    }

    /// Ends one of the caller's sessions. Returns false when they have no such open session.
    func end(_ session: UUID, of principal: Principal) async throws -> Bool {
        try await client.withWatchedTransaction(logger: logger) { connection in
            let owned = try await connection.query(
                "SELECT 1 FROM sessions WHERE session_id = \(session) AND user_id = \(principal.userID) AND revoked_at IS NULL FOR UPDATE",
                logger: logger
            ).decode(Int.self).collectAll()
            guard !owned.isEmpty else { return false }
            try await Self.revoke(session, on: connection, logger: logger)
            return true
        }
    }

    /// Ends `session` and revokes its refresh tokens.
    static func revoke(_ session: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("UPDATE sessions SET revoked_at = now() WHERE session_id = \(session) AND revoked_at IS NULL", logger: logger)
        try await connection.query("UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = \(session) AND revoked_at IS NULL", logger: logger)
    }

    /// Ends every session of `userID` but `kept`.
    static func revoke(of userID: String, except kept: UUID?, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE sessions SET revoked_at = now() WHERE user_id = \(userID) AND revoked_at IS NULL AND session_id IS DISTINCT FROM \(kept)",
            logger: logger
        )
        try await connection.query(
            "UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = \(userID) AND revoked_at IS NULL AND family_id IS DISTINCT FROM \(kept)",
            logger: logger
        )
    }
}
