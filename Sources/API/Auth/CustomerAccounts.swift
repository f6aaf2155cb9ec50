import Foundation
import Logging
import PostgresNIO

/// Accounts as an admin manages them: listed and searched by e-mail, blocked and unblocked,
/// their role changed. Blocking ends every session of the account at once; a role change
/// applies to tokens issued from then on (a renewal reads the role afresh), so an access token
/// already issued keeps the old role for at most its 15 minutes.
struct CustomerAccounts: Sendable {
    struct Account: Codable, Sendable {
        let userId: String
        let email: String
        let role: Principal.Role
        let createdAt: Date
        let blockedAt: Date?
    }

    struct Page: Codable, Sendable {
        let items: [Account]
        /// The last e-mail of this page, for the next one.
        let nextCursor: String?
    }

    let client: PostgresClient
    let logger: Logger

    /// Accounts in e-mail order, those whose e-mail contains `search` (case-insensitively) if given.
    func list(search: String?, limit: Int, after cursor: String?) async throws -> Page {
        // The search is a literal: LIKE's wildcards and escape in it match themselves.
        let pattern = search.map { "%" + $0.lowercased().replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%" } ?? "%"
        let rows = try await client.query(
            """
            SELECT user_id, email, role, created_at, blocked_at FROM users
            WHERE email LIKE \(pattern) AND email > \(cursor ?? "")
            ORDER BY email LIMIT \(limit + 1)
            """,
            logger: logger
        ).decode(Self.row).collectAll()
        let accounts = rows.prefix(limit).compactMap(Self.account(from:))
        return Page(items: accounts, nextCursor: rows.count > limit ? accounts.last?.email : nil)
    }

    func account(_ userID: String) async throws -> Account? {
        let rows = try await client.query(
            "SELECT user_id, email, role, created_at, blocked_at FROM users WHERE user_id = \(userID)", logger: logger
        ).decode(Self.row).collectAll()
        return rows.first.flatMap(Self.account(from:))
    }

    /// The columns both queries select: user_id, email, role, created_at, blocked_at.
    private static let row = (String, String, String, Date, Date?).self

    private static func account(from row: (String, String, String, Date, Date?)) -> Account? {
        Principal.Role(rawValue: row.2).map { Account(userId: row.0, email: row.1, role: $0, createdAt: row.3, blockedAt: row.4) }
    }

    /// Blocks the account (once; blocking again keeps the first time) and ends its sessions.
    /// Returns nil when there is no such account.
    func block(_ userID: String) async throws -> Account? {
        try await client.withWatchedTransaction(logger: logger) { connection in
            let found = try await connection.query(
                "UPDATE users SET blocked_at = coalesce(blocked_at, now()) WHERE user_id = \(userID) RETURNING 1", logger: logger
            ).decode(Int.self).collectAll()
            guard !found.isEmpty else { return }
            try await Sessions.revoke(of: userID, except: nil, on: connection, logger: logger)
        }
        return try await account(userID)
    }

    func unblock(_ userID: String) async throws -> Account? {
        try await client.query("UPDATE users SET blocked_at = NULL WHERE user_id = \(userID)", logger: logger)
        return try await account(userID)
    }

    func setRole(_ role: Principal.Role, of userID: String) async throws -> Account? {
        try await client.query("UPDATE users SET role = \(role.rawValue) WHERE user_id = \(userID)", logger: logger)
        return try await account(userID)
    }
}
