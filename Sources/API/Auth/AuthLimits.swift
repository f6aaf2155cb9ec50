import Application
import Foundation
import Logging
import PostgresNIO

/// How often a client address may try to sign in or register, and when failed sign-ins lock an
/// account. Counted in PostgreSQL, so every server on one database shares the counts.
public struct AuthLimitSettings: Sendable {
    /// Sign-in attempts per client address in `loginWindow`.
    public var loginsPerAddress: Int
    public var loginWindow: TimeInterval
    /// Registrations per client address in `registrationWindow`.
    public var registrationsPerAddress: Int
    public var registrationWindow: TimeInterval
    /// Failed sign-ins in a row (none further apart than `lockout`) that lock an account, and for how long.
    public var failuresBeforeLock: Int
    public var lockout: TimeInterval
    /// Requests for a verification or password-reset e-mail per client address, and per account
    /// (its e-mail address, whether it has an account or not), in `mailRequestWindow`.
    public var mailRequestsPerAddress: Int
    public var mailRequestsPerAccount: Int
    public var mailRequestWindow: TimeInterval

    public init(
        loginsPerAddress: Int = 20, loginWindow: TimeInterval = 300, registrationsPerAddress: Int = 10, registrationWindow: TimeInterval = 3600,
        failuresBeforeLock: Int = 5, lockout: TimeInterval = 900,
        mailRequestsPerAddress: Int = 10, mailRequestsPerAccount: Int = 3, mailRequestWindow: TimeInterval = 3600
    ) {
        self.mailRequestsPerAddress = mailRequestsPerAddress
        self.mailRequestsPerAccount = mailRequestsPerAccount
        self.mailRequestWindow = mailRequestWindow
        self.loginsPerAddress = loginsPerAddress
        self.loginWindow = loginWindow
        self.registrationsPerAddress = registrationsPerAddress
        self.registrationWindow = registrationWindow
        self.failuresBeforeLock = failuresBeforeLock
        self.lockout = lockout
    }
}

/// The limits of ``AuthLimitSettings`` against the tables of `0011_auth_limits.sql`. Refusals
/// are 429 problems with `Retry-After`.
struct AuthLimits: Sendable {
    let client: PostgresClient
    let settings: AuthLimitSettings
    let logger: Logger

    /// Runs a sign-in `attempt` for `email` from `address` under the limits: counts it, refuses
    /// it while the account is locked, and records its outcome (nil: the e-mail or the password
    /// was wrong).
    func signIn<Signed>(email: String, from address: String, _ attempt: () async throws -> Signed?) async throws -> Signed? {
        try await countLogin(from: address)
        // An address that cannot be one (a NUL, say) has no account to lock or find.
        guard let account = try? Accounts.normalized(email) else { return nil }
        try await checkNotLocked(account)
        guard let signed = try await attempt() else {
            try await failed(account)
            return nil
        }
        try await succeeded(account)
        return signed
    }

    /// Counts a sign-in attempt from `address`; 429 `too_many_attempts` past the limit.
    func countLogin(from address: String) async throws {
        try await count("login-address:\(address)", limit: settings.loginsPerAddress, window: settings.loginWindow, what: "sign-in attempts from this address")
    }

    /// Counts a registration from `address`; 429 `too_many_attempts` past the limit.
    func countRegistration(from address: String) async throws {
        try await count("register-address:\(address)", limit: settings.registrationsPerAddress, window: settings.registrationWindow, what: "registrations from this address")
    }

    /// Counts a request for a verification or reset e-mail, from `address` and for the account
    /// of `email` (normalised); 429 `too_many_attempts` past either limit. The account's count
    /// is kept under a hash of its address, and counts addresses with no account alike, so the
    /// answer tells nothing about which addresses have one.
    func countMailRequest(for email: String, from address: String) async throws {
        let window = settings.mailRequestWindow
        try await count("mail-address:\(address)", limit: settings.mailRequestsPerAddress, window: window, what: "e-mail requests from this address")
        try await count(EmailDigest.mailRequestBucket(for: email), limit: settings.mailRequestsPerAccount, window: window, what: "e-mail requests for this account")
    }

    /// 429 `account_locked` while failed sign-ins lock the account of `email` (normalised).
    func checkNotLocked(_ email: String) async throws {
        let rows = try await client.query(
            "SELECT ceil(extract(epoch FROM locked_until - now()))::bigint FROM account_lockouts WHERE email = \(email) AND locked_until > now()",
            logger: logger
        ).decode(Int64.self).collectAll()
        guard let seconds = rows.first else { return }
        throw Problem(.tooManyRequests, "account_locked", "too many failed sign-ins: this account is locked; try again in \(seconds) s",
                      fields: ["retryAfter": .integer(seconds)], headers: [.retryAfter: "\(seconds)"])
    }

    /// Records a failed sign-in for `email`; the failure that reaches the limit locks the account.
    /// A failure long after the previous one (a lock's length) starts the count again.
    func failed(_ email: String) async throws {
        let lockout = settings.lockout
        try await client.query(
            """
            INSERT INTO account_lockouts AS l (email, failures, last_failed_at, locked_until)
            VALUES (\(email), 1, now(), CASE WHEN 1 >= \(settings.failuresBeforeLock) THEN now() + make_interval(secs => \(lockout)) END)
            ON CONFLICT (email) DO UPDATE SET (failures, last_failed_at, locked_until) = (
                SELECT n, now(), CASE WHEN n >= \(settings.failuresBeforeLock) THEN now() + make_interval(secs => \(lockout)) END
                FROM (SELECT CASE WHEN l.last_failed_at < now() - make_interval(secs => \(lockout)) OR l.locked_until <= now() THEN 1
                                  ELSE l.failures + 1 END) AS counted (n)
            )
            """,
            logger: logger
        )
    }

    /// A successful sign-in clears the account's failures, as a password reset does.
    func succeeded(_ email: String) async throws {
        try await client.query("DELETE FROM account_lockouts WHERE email = \(email)", logger: logger)
    }

    /// Adds one to the bucket's current window and refuses past the limit.
    private func count(_ bucket: String, limit: Int, window: TimeInterval, what: String) async throws {
        let rows = try await client.query(
            """
            WITH current AS (SELECT to_timestamp(floor(extract(epoch FROM now()) / \(window)) * \(window)) AS start)
            INSERT INTO auth_attempts AS a (bucket, window_start, attempts)
            SELECT \(bucket), start, 1 FROM current
            ON CONFLICT (bucket, window_start) DO UPDATE SET attempts = a.attempts + 1
            RETURNING attempts, ceil(extract(epoch FROM window_start + make_interval(secs => \(window)) - now()))::bigint
            """,
            logger: logger
        ).decode((Int, Int64).self).collectAll()
        guard let (attempts, remaining) = rows.first, attempts > limit else { return }
        let retry = max(1, remaining)
        throw Problem(.tooManyRequests, "too_many_attempts", "too many \(what); try again in \(retry) s",
                      fields: ["retryAfter": .integer(retry)], headers: [.retryAfter: "\(retry)"])
    }
}
