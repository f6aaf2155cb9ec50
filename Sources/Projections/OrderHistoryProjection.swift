import Aggregates
import EventStore
import Foundation
import Logging
import PostgresNIO

/// Order history: per customer, their orders with lines, totals, current status, and each
/// order's status timeline.
public struct OrderHistoryProjection: Projection {
    public let name = "order-history"
    public let categories: Set<String> = ["order"]

    public let tables = ["order_history", "order_timeline"]

    public init() {}

    public func apply(_ event: RecordedEvent, on connection: PostgresConnection, logger: Logger) async throws {
        let encoded = EncodedEvent(type: event.type, schemaVersion: Int(event.schemaVersion), json: event.data)
        guard let order = try? EventCodec.decode(OrderEvent.self, encoded) else { return logUnknown(event, logger) }
        switch order {
        case .placed(let placed):
            let (kind, customer): (String, String) = switch placed.customer {
            case .customer(let id): ("customer", id.rawValue)
            case .guest(let token): ("guest", token)
            }
            try await connection.query(
                """
                INSERT INTO order_history (order_id, customer_kind, customer_id, status, lines, totals, shipping_address, placed_at, updated_at, position)
                VALUES (\(placed.orderId.rawValue), \(kind), \(customer), 'placed', \(EventCodec.encodeJSON(placed.lines))::jsonb,
                        \(EventCodec.encodeJSON(placed.totals))::jsonb, \(EventCodec.encodeJSON(placed.shippingAddress))::jsonb,
                        \(event.recordedAt), \(event.recordedAt), \(event.position))
                ON CONFLICT (order_id) DO NOTHING
                """,
                logger: logger
            )
            try await timeline(placed.orderId, "placed", "{}", event, on: connection, logger: logger)
        case .paymentAuthorized(let authorized):
            try await transition(authorized.orderId, to: "paymentAuthorized", event, on: connection, logger: logger)
        case .paid(let paid):
            try await transition(paid.orderId, to: "paid", event, on: connection, logger: logger)
        case .fulfilmentRecorded(let fulfilment):
            try await transition(fulfilment.orderId, to: fulfilment.complete ? "fulfilled" : "partiallyFulfilled", event,
                                 detail: EventCodec.encodeJSON(["lines": fulfilment.lines]), on: connection, logger: logger)
        case .shipped(let shipped):
            try await transition(shipped.orderId, to: "shipped", event,
                                 detail: EventCodec.encodeJSON(["carrier": shipped.carrier, "trackingNumber": shipped.trackingNumber]), on: connection, logger: logger)
        case .delivered(let delivered):
            try await transition(delivered.orderId, to: "delivered", event, on: connection, logger: logger)
        case .cancelled(let cancelled):
            try await transition(cancelled.orderId, to: "cancelled", event, detail: EventCodec.encodeJSON(["reason": cancelled.reason]), on: connection, logger: logger)
        case .returnRecorded(let returned):
            try await transition(returned.orderId, to: nil, event, detail: EventCodec.encodeJSON(["lines": returned.lines]), on: connection, logger: logger)
        case .refunded(let refunded):
            try await connection.query(
                "UPDATE order_history SET refunded = \(EventCodec.encodeJSON(refunded.refundedTotal))::jsonb WHERE order_id = \(refunded.orderId.rawValue)",
                logger: logger
            )
            try await transition(refunded.orderId, to: nil, event, detail: EventCodec.encodeJSON(refunded.amount), on: connection, logger: logger)
        }
    }

    /// Moves the order to `status` (nil: the status stays) and records the step in its timeline.
    private func transition(_ id: OrderID, to status: String?, _ event: RecordedEvent, detail: String = "{}", on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE order_history SET status = coalesce(\(status), status), updated_at = \(event.recordedAt), position = \(event.position)
            WHERE order_id = \(id.rawValue)
            """,
            logger: logger
        )
        try await timeline(id, status, detail, event, on: connection, logger: logger)
    }

    private func timeline(_ id: OrderID, _ status: String?, _ detail: String, _ event: RecordedEvent, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO order_timeline (order_id, position, event_type, status, detail, occurred_at)
            SELECT \(id.rawValue), \(event.position), \(event.type), coalesce(\(status), h.status), \(detail)::jsonb, \(event.recordedAt)
            FROM order_history h WHERE h.order_id = \(id.rawValue)
            ON CONFLICT (order_id, position) DO NOTHING
            """,
            logger: logger
        )
    }
}
