import Aggregates
import Application
import EventStore
import Logging
import PostgresNIO

/// Keeps `order_deadlines` from the inventory streams: each `StockReserved` names its order and
/// when the reservation runs out. ``LifecycleWorkers/orderExpiry(repository:interval:logger:)``
/// reads the table. Checkout itself stays on the event store's shared (group-commit) append.
public struct OrderDeadlinesProcess: ProcessManager {
    public let name = "order-deadlines"
    public let categories = ["inventory"]
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func handle(_ event: RecordedEvent, load: StepDecider) async throws -> ProcessStep {
        guard event.type == StockReserved.eventType else { return .nothing }
        let reserved = try EventReaction<StockReserved>.payload(of: event)
        let logger = logger
        return ProcessStep(
            writes: [{ connection in try await OrderDeadlines.record(reserved.orderId, expiresAt: reserved.expiresAt, on: connection, logger: logger) }],
            command: "record the payment deadline of order \(reserved.orderId)"
        )
    }
}
