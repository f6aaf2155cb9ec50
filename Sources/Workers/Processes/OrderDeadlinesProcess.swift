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
        let json = try EventUpcasters.upcast(type: event.type, from: Int(event.schemaVersion), to: StockReserved.schemaVersion, json: event.data)
        let reserved: StockReserved
        do { reserved = try EventCodec.decodeJSON(StockReserved.self, json) } catch {
            throw DomainError(.malformedEvent, "StockReserved at position \(event.position) does not decode: \(error)")
        }
        let logger = logger
        return ProcessStep(
            writes: [{ connection in try await OrderDeadlines.record(reserved.orderId, expiresAt: reserved.expiresAt, on: connection, logger: logger) }],
            command: "record the payment deadline of order \(reserved.orderId)"
        )
    }
}
