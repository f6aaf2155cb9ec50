import Crypto
import Foundation
import HummingbirdBcrypt
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// Customer and admin accounts: bcrypt password hashes and rotating refresh tokens, in Postgres.
struct Accounts: Sendable {
    struct Tokens: Codable, Sendable {
        let userId: String
        let role: Principal.Role
        let accessToken: String
        let tokenType: String
        /// Seconds the access token is valid for.
        let expiresIn: Int
        let refreshToken: String
    }

    let client: PostgresClient
    let tokens: AccessTokens
    let bcryptCost: UInt8
    let refreshLifetime: TimeInterval = 30 * 24 * 3600
    let logger: Logger
    /// Checked against a password when no account has the e-mail: made at the cost of new
    /// passwords, so that a sign-in for an unknown address does the same bcrypt work as one
    /// for a known address (response times must not tell which addresses have accounts).
    let unknownAccountHash: String
    /// How many passwords were checked against a hash, known accounts or not.
    let passwordChecks = PasswordCheckCount()

    init(client: PostgresClient, tokens: AccessTokens, bcryptCost: UInt8, logger: Logger) {
        self.client = client
        self.tokens = tokens
        self.bcryptCost = bcryptCost
        self.logger = logger
        self.unknownAccountHash = Bcrypt.hash(AccessTokens.randomToken(), cost: bcryptCost)
    }

    /// - Throws: 409 `email_taken` when the address has an account already.
    func register(email: String, password: String, role: Principal.Role = .customer) async throws -> Tokens {
        let email = try Self.normalized(email)
        try Self.checkPassword(password)
        let hash = try await hashPassword(password)
        let userID = "u_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let inserted = try await client.query(
            """
            INSERT INTO users (user_id, email, password_hash, role) VALUES (\(userID), \(email), \(hash), \(role.rawValue))
            ON CONFLICT (email) DO NOTHING RETURNING 1
            """,
            logger: logger
        ).decode(Int.self).collectAll()
        guard !inserted.isEmpty else { throw Problem(.conflict, "email_taken", "an account with this email exists already") }
        return try await issue(Principal(userID: userID, role: role), family: UUID())
    }

    /// - Returns: nil when the email or the password is wrong (the caller cannot tell which).
    func login(email: String, password: String) async throws -> Tokens? {
        guard let principal = try await authenticate(email: email, password: password) else { return nil }
        return try await issue(principal, family: UUID())
    }

    /// The account's principal when the password is right; nil when the email or the password
    /// is wrong (the caller cannot tell which).
    func authenticate(email: String, password: String) async throws -> Principal? {
        guard let email = try? Self.normalized(email) else { return nil }
        let rows = try await client.query("SELECT user_id, password_hash, role FROM users WHERE email = \(email)", logger: logger)
            .decode((String, String, String).self).collectAll()
        guard let (userID, hash, role) = rows.first, let role = Principal.Role(rawValue: role) else {
            // Spend the same time as a real check, so response times do not reveal which emails exist.
            _ = try await verifyPassword(password, hash: unknownAccountHash)
            return nil
        }
        guard try await verifyPassword(password, hash: hash) else { return nil }
        return Principal(userID: userID, role: role)
    }

    /// Exchanges a refresh token for new tokens; the old one is spent. A spent token presented
    /// again revokes its whole family (it was copied), and the caller must sign in again.
    func refresh(_ token: String) async throws -> Tokens {
        let hash = ByteBuffer(bytes: SHA256.hash(data: Data(token.utf8)))
        let invalid = Problem(.unauthorized, "invalid_refresh_token", "the refresh token is unknown, expired or revoked")
        enum Outcome: Sendable {
            case renewed(Tokens)
            case reused
            case invalid
        }
        // The revocation of a reused token's family must commit, so the transaction returns
        // the outcome and the refusal is thrown after it.
        let outcome: Outcome = try await client.withTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT t.user_id, t.family_id, t.expires_at, t.used_at IS NOT NULL, t.revoked_at IS NOT NULL, u.role
                FROM refresh_tokens t JOIN users u USING (user_id) WHERE t.token_hash = \(hash) FOR UPDATE OF t
                """,
                logger: logger
            ).decode((String, UUID, Date, Bool, Bool, String).self).collectAll()
            guard let (userID, family, expiresAt, used, revoked, role) = rows.first, let role = Principal.Role(rawValue: role) else { return .invalid }
            if used {
                try await connection.query("UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = \(family) AND revoked_at IS NULL", logger: logger)
                return .reused
            }
            guard !revoked, expiresAt > Date() else { return .invalid }
            try await connection.query("UPDATE refresh_tokens SET used_at = now() WHERE token_hash = \(hash)", logger: logger)
            return .renewed(try await issue(Principal(userID: userID, role: role), family: family, on: connection))
        }
        switch outcome {
        case .renewed(let tokens): return tokens
        case .reused: throw Problem(.unauthorized, "refresh_token_reused", "this refresh token was used before; every session it belongs to is signed out")
        case .invalid: throw invalid
        }
    }

    private func issue(_ principal: Principal, family: UUID, on connection: PostgresConnection? = nil) async throws -> Tokens {
        let refresh = AccessTokens.randomToken()
        let hash = ByteBuffer(bytes: SHA256.hash(data: Data(refresh.utf8)))
        let expires = Date().addingTimeInterval(refreshLifetime)
        let insert: PostgresQuery = """
            INSERT INTO refresh_tokens (token_hash, user_id, family_id, expires_at) VALUES (\(hash), \(principal.userID), \(family), \(expires))
            """
        if let connection {
            try await connection.query(insert, logger: logger)
        } else {
            try await client.query(insert, logger: logger)
        }
        return Tokens(userId: principal.userID, role: principal.role, accessToken: tokens.issue(for: principal), tokenType: "Bearer",
                      expiresIn: Int(tokens.lifetime), refreshToken: refresh)
    }

    /// bcrypt is slow on purpose: it runs on NIO's thread pool, not the async tasks' threads.
    private func hashPassword(_ password: String) async throws -> String {
        let cost = bcryptCost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    private func verifyPassword(_ password: String, hash: String) async throws -> Bool {
        passwordChecks.add()
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    static func normalized(_ email: String) throws -> String {
        let email = email.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !email.contains(" ") else {
            throw Problem.badRequest("invalid_email", "email must be an address like name@example.com", field: "email")
        }
        return email
    }

    static func checkPassword(_ password: String) throws {
        // bcrypt reads at most 72 bytes: longer passwords would be silently cut.
        guard (10...72).contains(password.utf8.count) else {
            throw Problem.badRequest("weak_password", "password must be 10 to 72 bytes long", field: "password")
        }
    }
}

/// Creates an admin account (`commerce users create-admin`): the first admin cannot come from
/// the API, whose registration makes customers only.
public func createAdminAccount(postgres: PostgresClient, email: String, password: String, logger: Logger) async throws -> String {
    try await createAccount(postgres: postgres, email: email, password: password, role: .admin, logger: logger)
}

/// Creates an account outside the API (the CLI's admins, the demo customer of `commerce seed`).
/// - Returns: the new user id; throws ``AccountError`` (e.g. the address is taken).
public func createAccount(postgres: PostgresClient, email: String, password: String, role: Principal.Role, logger: Logger) async throws -> String {
    let accounts = Accounts(client: postgres, tokens: AccessTokens(secret: Array(repeating: 0, count: 32)), bcryptCost: 11, logger: logger)
    do {
        return try await accounts.register(email: email, password: password, role: role).userId
    } catch let problem as Problem {
        throw AccountError(message: problem.detail)
    }
}

/// A count shared by the copies of an ``Accounts``.
final class PasswordCheckCount: Sendable {
    private let count = Mutex(0)

    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

public struct AccountError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
