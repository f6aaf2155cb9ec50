import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Removes what the API keeps only for a while: idempotency keys after a day, attempt counts
/// of windows long past, rate-limit windows that ended, lockouts that ended, e-mailed tokens a day after they were used or
/// expired, and the delivery log of account e-mails after 30 days. Each server of a database runs one; the deletes
/// are idempotent, so several are harmless.
public struct AuthHousekeeping: Service {
    let client: PostgresClient
    let limits: AuthLimitSettings
    let interval: Duration
    let logger: Logger

    /// How long an `Idempotency-Key` is remembered.
    static let idempotencyKeyLifetime: TimeInterval = 24 * 3600
    /// How long a spent or expired e-mailed token, and a sent or failed mail's row, are kept.
    static let spentTokenLifetime: TimeInterval = 24 * 3600
    static let mailLogLifetime: TimeInterval = 30 * 24 * 3600

    public init(client: PostgresClient, limits: AuthLimitSettings = AuthLimitSettings(), interval: Duration = .seconds(60), logger: Logger) {
        self.client = client
        self.limits = limits
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while true {
                // Not at start-up, which has enough to do: nothing expires that fast.
                do { try await Task.sleep(for: interval) } catch { return }
                do {
                    try await sweep()
                } catch {
                    // Shutting down cancels the pool's requests too: nothing to report.
                    if Task.isCancelled { return }
                    logger.warning("auth housekeeping failed", metadata: ["error": "\(String(reflecting: error))"])
                }
            }
        }
    }

    /// One pass: deletes every expired row.
    /// - Returns: how many rows went.
    @discardableResult
    public func sweep() async throws -> Int {
        let longestWindow = max(limits.loginWindow, limits.registrationWindow, limits.mailRequestWindow)
        let rows = try await client.query(
            """
            WITH keys AS (DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => \(Self.idempotencyKeyLifetime)) RETURNING 1),
                 attempts AS (DELETE FROM auth_attempts WHERE window_start < now() - make_interval(secs => \(longestWindow)) RETURNING 1),
                 locks AS (DELETE FROM account_lockouts
                           WHERE coalesce(locked_until, '-infinity') < now() AND last_failed_at < now() - make_interval(secs => \(limits.lockout)) RETURNING 1),
                 tokens AS (DELETE FROM account_tokens
                            WHERE least(expires_at, coalesce(used_at, 'infinity')) < now() - make_interval(secs => \(Self.spentTokenLifetime)) RETURNING 1),
                 mails AS (DELETE FROM mail_outbox WHERE status <> 'pending' AND created_at < now() - make_interval(secs => \(Self.mailLogLifetime)) RETURNING 1),
                 windows AS (DELETE FROM rate_limit_windows WHERE window_ends < now() RETURNING 1)
            SELECT (SELECT count(*) FROM keys) + (SELECT count(*) FROM attempts) + (SELECT count(*) FROM locks) + (SELECT count(*) FROM tokens)
                   + (SELECT count(*) FROM mails) + (SELECT count(*) FROM windows)
            """,
            logger: logger
        ).decode(Int64.self).collectAll()
        return Int(rows.first ?? 0)
    }
}
