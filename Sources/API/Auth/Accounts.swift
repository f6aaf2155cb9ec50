import Crypto
import EventStore
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

    /// A blocked account's sign-in, once its password checked out.
    static let blocked = Problem(.forbidden, "account_blocked", "this account is blocked; contact the shop")

    /// Where a sign-in comes from, kept with its session.
    struct Origin: Sendable {
        let address: String
        /// Cut to 300 characters: it is the client's to choose.
        let userAgent: String

        init(address: String, userAgent: String) {
            self.address = address
            self.userAgent = String(userAgent.prefix(300))
        }

        static let commandLine = Origin(address: "", userAgent: "commerce")
    }

    /// Creates an account outside the API's registration (the CLI's admins, the demo customer):
    /// its address counts as verified, as whoever runs the command vouches for it.
    /// - Throws: 409 `email_taken` when the address has an account already.
    func create(email: String, password: String, role: Principal.Role) async throws -> String {
        let email = try Self.normalized(email)
        try Self.checkPassword(password)
        let hash = try await hashPassword(password)
        let created = try await client.withWatchedConnection { connection in
            try await Self.insert(email: email, hash: hash, role: role, verified: true, on: connection, logger: logger)
        }
        guard let userID = created else { throw Problem(.conflict, "email_taken", "an account with this email exists already") }
        return userID
    }

    /// Inserts an account; nil when the address has one already.
    static func insert(email: String, hash: String, role: Principal.Role, verified: Bool, on connection: PostgresConnection, logger: Logger) async throws -> String? {
        let userID = RandomIdentifier.hex(prefix: "u_")
        let inserted = try await connection.query(
            """
            INSERT INTO users (user_id, email, password_hash, role, email_verified_at)
            VALUES (\(userID), \(email), \(hash), \(role.rawValue), CASE WHEN \(verified) THEN now() END)
            ON CONFLICT (email) DO NOTHING RETURNING 1
            """,
            logger: logger
        ).decode(Int.self).collectAll()
        return inserted.isEmpty ? nil : userID
    }

    /// - Returns: nil when the email or the password is wrong (the caller cannot tell which).
    func login(email: String, password: String, from origin: Origin) async throws -> Tokens? {
        guard let principal = try await authenticate(email: email, password: password) else { return nil }
        return try await startSession(principal, from: origin)
    }

    /// A new session (refresh-token family) and its first tokens.
    func startSession(_ principal: Principal, from origin: Origin) async throws -> Tokens {
        let session = RandomIdentifier.uuid()
        return try await client.withWatchedTransaction(logger: logger) { connection in
            try await connection.query(
                """
                INSERT INTO sessions (session_id, user_id, address, user_agent)
                VALUES (\(session), \(principal.userID), \(origin.address), \(origin.userAgent))
                """,
                logger: logger
            )
            return try await issue(principal, family: session, on: connection)
        }
    }

    /// The account's e-mail and password hash.
    func credentials(of userID: String) async throws -> (email: String, hash: String)? {
        let rows = try await client.query("SELECT email, password_hash FROM users WHERE user_id = \(userID)", logger: logger)
            .decode((String, String).self).collectAll()
        guard let (email, hash) = rows.first else { return nil }
        return (email, hash)
    }

    /// Whether `password` is the account's.
    func checks(_ password: String, against hash: String) async throws -> Bool {
        try await verifyPassword(password, hash: hash)
    }

    /// Sets a new password (checked against the rules) and signs out every session of the
    /// account but `keeping`.
    func setPassword(_ password: String, of userID: String, keeping session: UUID?) async throws {
        try Self.checkPassword(password, field: "newPassword")
        let hash = try await hashPassword(password)
        try await client.withWatchedTransaction(logger: logger) { connection in
            try await connection.query("UPDATE users SET password_hash = \(hash) WHERE user_id = \(userID)", logger: logger)
            try await Sessions.revoke(of: userID, except: session, on: connection, logger: logger)
        }
    }

    /// The account's principal when the password is right; nil when the email or the password
    /// is wrong (the caller cannot tell which).
    func authenticate(email: String, password: String) async throws -> Principal? {
        guard let email = try? Self.normalized(email) else { return nil }
        let rows = try await client.query("SELECT user_id, password_hash, role, blocked_at IS NOT NULL FROM users WHERE email = \(email)", logger: logger)
            .decode((String, String, String, Bool).self).collectAll()
        guard let (userID, hash, role, blocked) = rows.first, let role = Principal.Role(rawValue: role) else {
            // Spend the same time as a real check, so response times do not reveal which emails exist.
            _ = try await verifyPassword(password, hash: unknownAccountHash)
            return nil
        }
        guard try await verifyPassword(password, hash: hash) else { return nil }
        // Said only to whoever knows the password.
        guard !blocked else { throw Self.blocked }
        return Principal(userID: userID, role: role)
    }

    /// Exchanges a refresh token for new tokens; the old one is spent. A spent token presented
    /// again revokes its whole family (it was copied), and the caller must sign in again.
    func refresh(_ token: String, from origin: Origin) async throws -> Tokens {
        let hash = ByteBuffer(bytes: SHA256.hash(data: Data(token.utf8)))
        let invalid = Problem(.unauthorized, "invalid_refresh_token", "the refresh token is unknown, expired or revoked")
        enum Outcome: Sendable {
            case renewed(Tokens)
            case reused
            case invalid
        }
        // The revocation of a reused token's family must commit, so the transaction returns
        // the outcome and the refusal is thrown after it.
        let outcome: Outcome = try await client.withWatchedTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT t.user_id, t.family_id, t.expires_at, t.used_at IS NOT NULL, t.revoked_at IS NOT NULL, u.role
                FROM refresh_tokens t JOIN users u USING (user_id) WHERE t.token_hash = \(hash) AND u.blocked_at IS NULL FOR UPDATE OF t
                """,
                logger: logger
            ).decode((String, UUID, Date, Bool, Bool, String).self).collectAll()
            guard let (userID, family, expiresAt, used, revoked, role) = rows.first, let role = Principal.Role(rawValue: role) else { return .invalid }
            if used {
                try await Sessions.revoke(family, on: connection, logger: logger)
                return .reused
            }
            guard !revoked, expiresAt > Date() else { return .invalid }
            try await connection.query("UPDATE refresh_tokens SET used_at = now() WHERE token_hash = \(hash)", logger: logger)
            try await connection.query(
                """
                UPDATE sessions SET last_used_at = now(), address = \(origin.address), user_agent = \(origin.userAgent)
                WHERE session_id = \(family)
                """,
                logger: logger
            )
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
        let inSession = Principal(userID: principal.userID, role: principal.role, sessionID: family)
        return Tokens(userId: principal.userID, role: principal.role, accessToken: tokens.issue(for: inSession), tokenType: "Bearer",
                      expiresIn: Int(tokens.lifetime), refreshToken: refresh)
    }

    /// bcrypt is slow on purpose: it runs on NIO's thread pool, not the async tasks' threads.
    func hashPassword(_ password: String) async throws -> String {
        let (cost, normalized) = (bcryptCost, Self.normalizedPassword(password))
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(normalized, cost: cost) }
    }

    /// Checks the normalised password, and for a password that normalising changes, the
    /// password as typed too: hashes made before passwords were normalised hold it so.
    private func verifyPassword(_ password: String, hash: String) async throws -> Bool {
        let normalized = Self.normalizedPassword(password)
        passwordChecks.add()
        if try await NIOThreadPool.singleton.runIfActive({ Bcrypt.verify(normalized, hash: hash) }) { return true }
        guard normalized != password else { return false }
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    static func normalized(_ email: String) throws -> String {
        let email = email.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        let control = email.unicodeScalars.contains { $0.properties.generalCategory == .control }
        guard email.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !email.contains(" "), !control else {
            throw Problem.badRequest("invalid_email", "email must be an address like name@example.com", field: "email")
        }
        return email
    }

    /// The password as hashed and checked: Unicode-normalised (NFKC, as NIST 800-63B asks), so
    /// that the same password typed elsewhere — accents composed or not, full-width digits — is
    /// the same password.
    static func normalizedPassword(_ password: String) -> String {
        password.precomposedStringWithCompatibilityMapping
    }

    /// At least 10 characters (Unicode code points) once normalised; at most 72 bytes, as bcrypt
    /// reads no more (longer passwords would be silently cut); not one of the most common
    /// passwords (``CommonPasswords``). No composition rules.
    static func checkPassword(_ password: String, field: String = "password") throws {
        let normalized = normalizedPassword(password)
        guard normalized.unicodeScalars.count >= 10 else {
            throw Problem.unprocessable("weak_password", "\(field) must have at least 10 characters", field: field)
        }
        // bcrypt reads a password only up to a NUL: "secret\0anything" would be "secret".
        guard !normalized.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw Problem.unprocessable("weak_password", "\(field) must not contain control characters", field: field)
        }
        guard normalized.utf8.count <= 72 else {
            throw Problem.unprocessable("weak_password", "\(field) must be at most 72 bytes in UTF-8", field: field)
        }
        guard !CommonPasswords.contains(normalized) else {
            throw Problem.unprocessable("common_password", "\(field) is one of the most common passwords; choose another", field: field)
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
        return try await accounts.create(email: email, password: password, role: role)
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
