import EventStore
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import PostgresNIO
import ServiceLifecycle

/// Whether PostgreSQL answers, watched from a connection of its own every `interval`.
///
/// The connection pool waits for a refused connection until the circuit breaker trips (a
/// minute), so without this a request during an outage would hang. While the database is
/// down, ``DatabaseOutageMiddleware`` answers 503 at once and cancels the requests already
/// waiting; `/health/ready` reports `postgres` down. The watcher's own connection means a pool
/// busy under load never reads as an outage.
public final class DatabaseAvailability: Service, Sendable {
    private struct State {
        var down = false
        var since: ContinuousClock.Instant?
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = NIOLockedValueBox(State())
    private let url: DatabaseURL
    private let interval: Duration
    private let logger: Logger

    public init(url: DatabaseURL, interval: Duration = .milliseconds(500), logger: Logger) {
        self.url = url
        self.interval = interval
        self.logger = logger
    }

    public var isDown: Bool { state.withLockedValue(\.down) }

    /// Thrown by ``unlessItGoesDown(_:)``.
    struct WentDown: Error {}

    /// Runs `operation` in a task of its own and returns what it returns — unless the database
    /// is found down first: then it throws ``WentDown`` at once, cancelling the operation without
    /// waiting for it (it may be stuck in a statement deaf to cancellation).
    func unlessItGoesDown<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await abandoning(operation) {
            await self.waitUntilDown()
            return Task.isCancelled ? nil : WentDown()
        }
    }

    /// Returns once the database is found down (at once when it is); cancellable.
    func waitUntilDown() async {
        let id = state.withLockedValue { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLockedValue { state -> Bool in
                    if state.down || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var connection: PostgresConnection?
            var connectionID = 0
            while !Task.isCancelled {
                do {
                    let current: PostgresConnection
                    if let connection {
                        current = connection
                    } else {
                        connectionID += 1
                        let id = connectionID
                        current = try await PostgresConnection.connect(abandoningAfter: self.interval * 2) {
                            try await PostgresConnection.connect(
                                configuration: try self.url.connectionConfiguration(connectTimeout: self.interval * 2), id: id, logger: self.logger
                            )
                        }
                        connection = current
                    }
                    // A statement sent just as the server shuts down can wait for ever, deaf to
                    // cancellation: it is left behind rather than awaited.
                    try await abandoningAfter(self.interval * 2) { try await current.query("SELECT 1", logger: self.logger) }
                    self.mark(down: false, error: nil)
                } catch {
                    // Closed aside: a connection the server dropped may not answer the close
                    // either, and a close that fails leaves nothing to do.
                    if let lost = connection { Task { try? await lost.close() } }
                    connection = nil
                    if Task.isCancelled { break }
                    self.mark(down: true, error: error)
                }
                do { try await Task.sleep(for: self.interval) } catch { break }
            }
            if let connection { try? await connection.close() }
        }
    }

    private func mark(down: Bool, error: (any Error)?) {
        let (changed, waiters, since) = state.withLockedValue { state -> (Bool, [CheckedContinuation<Void, Never>], ContinuousClock.Instant?) in
            guard state.down != down else { return (false, [], nil) }
            let since = state.since
            state.down = down
            state.since = .now
            let waiters = down ? Array(state.waiters.values) : []
            if down { state.waiters.removeAll() }
            return (true, waiters, since)
        }
        waiters.forEach { $0.resume() }
        guard changed else { return }
        if down {
            logger.warning("PostgreSQL does not answer: HTTP requests get 503 until it does", metadata: ["error": "\(String(reflecting: error))"])
        } else if let since {
            logger.notice("PostgreSQL answers again", metadata: ["downFor": "\(ContinuousClock.now - since)"])
        }
    }
}
