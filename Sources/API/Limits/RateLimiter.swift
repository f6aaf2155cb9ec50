import Application
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Per-client request budgets, shared by every server of a database without a query per
/// request. A server leases part of what is left of a client's budget for the current window
/// from `rate_limit_windows` (a quarter of it, at least one request), spends the lease in
/// memory, and leases again when it runs out. The table never grants past the limit, so all
/// servers together admit at most the limit in a window; a lease still unspent when the window
/// ends is lost, so near the limit they may admit a little less. Once the table has nothing
/// left, the server refuses from memory until the window ends: a flood costs no query.
final class RateLimiter: Sendable {
    enum Decision: Equatable {
        case allowed
        /// Refused; the window ends in `retryAfter` seconds.
        case refused(retryAfter: Int)
    }

    private struct Key: Hashable {
        let routeClass: RouteClass
        let client: String
    }

    private struct Budget {
        let window: Int64
        /// Requests leased from the table and not spent yet.
        var leased = 0
        /// The table granted nothing more in this window.
        var spent = false
    }

    private struct State {
        var budgets: [Key: Budget] = [:]
        /// Budgets of earlier windows are dropped when the first request of a new one comes.
        var window: Int64 = 0

        /// The key's budget in `window`: a fresh one when it has none there yet.
        func budget(_ key: Key, in window: Int64) -> Budget {
            budgets[key].flatMap { $0.window == window ? $0 : nil } ?? Budget(window: window)
        }
    }

    let settings: RateLimitSettings
    private let client: PostgresClient
    private let logger: Logger
    private let state = Mutex(State())

    init(settings: RateLimitSettings, client: PostgresClient, logger: Logger) {
        self.settings = settings
        self.client = client
        self.logger = logger
    }

    /// Whether one more request of `routeClass` from `address` is within its limit, counting it
    /// when it is.
    func admit(_ routeClass: RouteClass, from address: String, at now: Date = Date()) async throws -> Decision {
        let limit = routeClass.limit(in: settings)
        guard limit > 0 else { return .allowed }
        let length = Int64(max(1, settings.windowSeconds))
        let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
        let window = seconds / length
        let refusal = Decision.refused(retryAfter: Int(max(1, (window + 1) * length - seconds)))
        let key = Key(routeClass: routeClass, client: address)
        let local: Decision? = state.withLock { state in
            if window > state.window {
                state.budgets = state.budgets.filter { $0.value.window >= window }
                state.window = window
            }
            var budget = state.budget(key, in: window)
            defer { state.budgets[key] = budget }
            if budget.leased > 0 {
                budget.leased -= 1
                return .allowed
            }
            return budget.spent ? refusal : nil
        }
        if let local { return local }
        let granted: Int
        do {
            granted = try await lease(key, window: window, length: length, limit: limit)
        } catch {
            // The limiter guards capacity; it must not turn a database hiccup into refusals of
            // its own (a request that needs the database fails on its own anyway).
            logger.warning("rate limit not checked: the lease failed", metadata: ["error": "\(String(reflecting: error))"])
            return .allowed
        }
        return state.withLock { state in
            var budget = state.budget(key, in: window)
            defer { state.budgets[key] = budget }
            guard granted > 0 else {
                budget.spent = true
                return refusal
            }
            budget.leased += granted - 1
            return .allowed
        }
    }

    /// Takes a lease of the key's budget in the window from the table: how many requests it
    /// grants (0: none left).
    private func lease(_ key: Key, window: Int64, length: Int64, limit: Int) async throws -> Int {
        let bucket = "\(key.routeClass.rawValue):\(key.client)"
        let ends = Date(timeIntervalSince1970: TimeInterval((window + 1) * length))
        let first = min(limit, max(1, (limit + 3) / 4))
        // Both assignments read the row as it was: what is left is limit - w.granted.
        let rows = try await client.query(
            """
            INSERT INTO rate_limit_windows AS w (bucket, window_index, window_ends, granted, last_grant)
            VALUES (\(bucket), \(window), \(ends), \(first), \(first))
            ON CONFLICT (bucket, window_index) DO UPDATE SET
                granted = w.granted + greatest(0, least(greatest(1, (\(limit) - w.granted + 3) / 4), \(limit) - w.granted)),
                last_grant = greatest(0, least(greatest(1, (\(limit) - w.granted + 3) / 4), \(limit) - w.granted))
            RETURNING last_grant
            """,
            logger: logger
        ).decode(Int.self).collectAll()
        return rows.first ?? 0
    }
}
