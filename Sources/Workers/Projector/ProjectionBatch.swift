import EventStore
import Logging
import PostgresNIO
import Projections

/// The read models' batches: every event is offered to every projection, which skips what it
/// has by stream version (``ProjectionApplier``).
struct ProjectionBatch: ConsumedBatchHandler {
    let projections: [any Projection]
    let logger: Logger

    var categories: [String] { projections.flatMap(\.categories) }
    var readModels: [String] { projections.map(\.name) }

    func begin(on connection: PostgresConnection) async throws {
        try await ProjectionLock.acquire(on: connection, logger: logger)
    }

    func apply(_ events: [RecordedEvent], on connection: PostgresConnection) async throws {
        try await ProjectionApplier.apply(events, to: projections, on: connection, logger: logger)
    }
}
