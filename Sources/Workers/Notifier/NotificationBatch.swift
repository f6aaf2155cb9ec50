import Aggregates
import Application
import EventStore
import Foundation
import Logging
import Notifications
import PostgresNIO
import Synchronization

/// The notifier's batches (a ``Projector`` in group `commerce-notifier` over every topic): each
/// event is planned (``NotificationPlanner``) on the transaction that advances the offsets, so
/// a mail or webhook delivery is written exactly once per event — a crash before the commit
/// writes none, and the event comes again; after it, the delivery keys make a second write a
/// no-op. An event that cannot be read is recorded in `process_failures` (process `notifier`)
/// and passed over, never retried for ever.
struct NotificationBatch: ConsumedBatchHandler {
    let planner: NotificationPlanner
    let logger: Logger
    /// The webhook endpoints of the batch under way: read once in ``begin(on:)``, used for each
    /// of its partitions (a projector runs one batch at a time).
    private let endpoints = BatchEndpoints()

    init(planner: NotificationPlanner, logger: Logger) {
        self.planner = planner
        self.logger = logger
    }

    var categories: [String] { EventCatalog.categories.map(\.category) }

    func begin(on connection: PostgresConnection) async throws {
        let subscriptions = try await WebhookEndpoints.subscriptions(on: connection, logger: logger)
        endpoints.value.withLock { $0 = subscriptions }
    }

    func apply(_ events: [RecordedEvent], on connection: PostgresConnection) async throws {
        let endpoints = endpoints.value.withLock { $0 }
        for event in events {
            do {
                try await planner.plan(event, endpoints: endpoints, on: connection)
            } catch let refusal as any Refusal {
                logger.warning("notifier could not plan an event; recorded, moving on", metadata: [
                    "event": "\(event.type)", "stream": "\(event.stream)", "code": "\(refusal.refusalCode)",
                ])
                try await ProcessFailures.record(
                    process: "notifier", event: event, stream: event.stream.rawValue, command: "notify about \(event.type)",
                    code: refusal.refusalCode, message: refusal.message, on: connection, logger: logger
                )
            }
        }
    }
}

/// The active webhook endpoints and the types each takes, as one batch read them.
private final class BatchEndpoints: Sendable {
    let value = Mutex<[(id: UUID, eventTypes: [String])]>([])
}
