import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Removes what the API keeps only for a while: idempotency keys after a day, attempt counts
/// of windows long past, lockouts that ended. Each server of a database runs one; the deletes
/// are idempotent, so several are harmless.
public struct AuthHousekeeping: Service {
    let client: PostgresClient
    let limits: AuthLimitSettings
    let interval: Duration
    let logger: Logger

    /// How long an `Idempotency-Key` is remembered.
    static let idempotencyKeyLifetime: TimeInterval = 24 * 3600

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
        let longestWindow = max(limits.loginWindow, limits.registrationWindow)
        let rows = try await client.query(
            """
            WITH keys AS (DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => \(Self.idempotencyKeyLifetime)) RETURNING 1),
                 attempts AS (DELETE FROM auth_attempts WHERE window_start < now() - make_interval(secs => \(longestWindow)) RETURNING 1),
                 locks AS (DELETE FROM account_lockouts
                           WHERE coalesce(locked_until, '-infinity') < now() AND last_failed_at < now() - make_interval(secs => \(limits.lockout)) RETURNING 1)
            SELECT (SELECT count(*) FROM keys) + (SELECT count(*) FROM attempts) + (SELECT count(*) FROM locks)
            """,
            logger: logger
        ).decode(Int64.self).collectAll()
        return Int(rows.first ?? 0)
    }
}
