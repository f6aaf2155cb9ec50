import Application
import Aggregates
import EventStore
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// A process driven by time rather than events: every `interval` it asks `due` what is due and
/// acts on each item on its own — one item's refusal is recorded (and the item dropped), one
/// item's transient failure is logged and left for the next pass; neither stops the others.
public struct ScheduledProcess<Item: Sendable>: Service {
    public let name: String
    let interval: Duration
    let due: @Sendable (Date) async throws -> [Item]
    let describe: @Sendable (Item) -> (stream: String, command: String)
    let act: @Sendable (Item) async throws -> Void
    /// Called after a refusal was recorded, so the item is not due again.
    let drop: @Sendable (Item) async throws -> Void
    let repository: AggregateRepository
    let logger: Logger

    public init(
        name: String, interval: Duration, repository: AggregateRepository, logger: Logger,
        due: @escaping @Sendable (Date) async throws -> [Item], describe: @escaping @Sendable (Item) -> (stream: String, command: String),
        act: @escaping @Sendable (Item) async throws -> Void, drop: @escaping @Sendable (Item) async throws -> Void
    ) {
        self.name = name
        self.interval = interval
        self.repository = repository
        self.logger = logger
        self.due = due
        self.describe = describe
        self.act = act
        self.drop = drop
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await runOnce(now: Date())
                    try await Task.sleep(for: interval)
                } catch {
                    // As in ProcessManagerService: only its own cancellation ends the loop.
                    guard !Task.isCancelled else { return }
                    logger.warning("\(name) pass failed", metadata: ["error": "\(String(reflecting: error))"])
                    try? await Task.sleep(for: interval)
                }
            }
        }
    }

    /// One pass over what is due at `now`.
    public func runOnce(now: Date) async throws {
        for item in try await due(now) {
            try Task.checkCancellation()
            let (stream, command) = describe(item)
            do {
                try await act(item)
            } catch let refusal as any Refusal {
                try await record(stream: stream, command: command, code: refusal.refusalCode, message: refusal.message)
                try await drop(item)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                logger.warning("\(name) failed on \(stream); trying again next pass", metadata: ["error": "\(String(reflecting: error))"])
            }
        }
    }

    private func record(stream: String, command: String, code: String, message: String) async throws {
        let name = name
        let logger = logger
        logger.warning("\(name)'s command was refused; recorded", metadata: ["stream": "\(stream)", "code": "\(code)"])
        try await repository.store.client.withWatchedConnection { connection in
            try await ProcessFailures.record(process: name, event: nil, stream: stream, command: command, code: code, message: message, on: connection, logger: logger)
        }
    }
}
