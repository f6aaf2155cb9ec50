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

    public func makeBuilder() -> any ReadModelBuilder { OrderHistoryBuilder(projection: name) }
}

/// Orders in memory, and the fold of order events onto them. Timeline rows never change once
/// written, so each flush writes and forgets them.
final class OrderHistoryBuilder: ReadModelBuilder {
    struct OrderRow: Sendable {
        var customerKind: String
        var customerID: String
        var status: String
        var lines: String
        var totals: String
        var discounts: String
        var shippingAddress: String
        var refunded: String?
        var placedAt: Date
        var updatedAt: Date
        var position: Int64
    }

    struct TimelineRow {
        var orderID: String
        var position: Int64
        var eventType: String
        var status: String
        var detail: String
        var occurredAt: Date
    }

    private let projection: String
    private var orders: [String: OrderRow] = [:]
    private var changedOrders: Set<String> = []
    private var timeline: [TimelineRow] = []
    private let streamVersions = StreamVersions()
    var recordsStreamVersions: Bool {
        get { streamVersions.enabled }
        set { streamVersions.enabled = newValue }
    }
    /// Not used: its rows are merged either way.
    var writesIntoEmptyTables = false
    private let hold = StreamHold()

    init(projection: String) {
        self.projection = projection
    }

    /// What one event does to the rows, with its JSON already encoded: worked out on every
    /// core by ``decodeConcurrently(_:_:)``, applied in order.
    enum Change: Sendable {
        case placed(OrderID, OrderRow)
        /// `status` nil: the status stays. `refunded`: the new refunded total.
        case transition(OrderID, status: String?, detail: String, refunded: String?)

        var orderID: OrderID {
            switch self {
            case .placed(let id, _), .transition(let id, _, _, _): id
            }
        }
    }

    private func load(_ wanted: Set<String>, from connection: PostgresConnection, logger: Logger) async throws {
        let ids = Array(wanted.subtracting(orders.keys))
        guard !ids.isEmpty else { return }
        let rows = try await connection.query(
            """
            SELECT order_id, customer_kind, customer_id, status, lines::text, totals::text, discounts::text, shipping_address::text, refunded::text,
                   placed_at, updated_at, position
            FROM order_history WHERE order_id = ANY(\(ids))
            """,
            logger: logger
        )
        for try await (id, kind, customer, status, lines, totals, discounts, address, refunded, placedAt, updatedAt, position) in rows.decode(
            (String, String, String, String, String, String, String, String, String?, Date, Date, Int64).self
        ) {
            orders[id] = OrderRow(
                customerKind: kind, customerID: customer, status: status, lines: lines, totals: totals, discounts: discounts, shippingAddress: address,
                refunded: refunded, placedAt: placedAt, updatedAt: updatedAt, position: position
            )
        }
    }

    static func change(for event: RecordedEvent) -> Result<Change, DomainError> {
        let encoded = EncodedEvent(type: event.type, schemaVersion: Int(event.schemaVersion), json: event.data)
        return Result { () throws(DomainError) in change(for: try EventCodec.decode(OrderEvent.self, encoded), event) }
    }

    static func change(for order: OrderEvent, _ event: RecordedEvent) -> Change {
        switch order {
        case .placed(let placed):
            let (kind, customer): (String, String) = switch placed.customer {
            case .customer(let id): ("customer", id.rawValue)
            case .guest(let token): ("guest", token)
            }
            return .placed(placed.orderId, OrderRow(
                customerKind: kind, customerID: customer, status: "placed", lines: EventCodec.encodeJSON(placed.lines),
                totals: EventCodec.encodeJSON(placed.totals), discounts: EventCodec.encodeJSON(placed.discounts), shippingAddress: EventCodec.encodeJSON(placed.shippingAddress),
                refunded: nil, placedAt: event.recordedAt, updatedAt: event.recordedAt, position: event.position
            ))
        case .paymentAuthorized(let authorized):
            return .transition(authorized.orderId, status: "paymentAuthorized", detail: "{}", refunded: nil)
        case .paid(let paid):
            return .transition(paid.orderId, status: "paid", detail: "{}", refunded: nil)
        case .fulfilmentRecorded(let fulfilment):
            return .transition(fulfilment.orderId, status: fulfilment.complete ? "fulfilled" : "partiallyFulfilled",
                               detail: EventCodec.encodeJSON(["lines": fulfilment.lines]), refunded: nil)
        case .shipped(let shipped):
            return .transition(shipped.orderId, status: "shipped",
                               detail: EventCodec.encodeJSON(["carrier": shipped.carrier, "trackingNumber": shipped.trackingNumber]), refunded: nil)
        case .delivered(let delivered):
            return .transition(delivered.orderId, status: "delivered", detail: "{}", refunded: nil)
        case .cancelled(let cancelled):
            return .transition(cancelled.orderId, status: "cancelled", detail: EventCodec.encodeJSON(["reason": cancelled.reason, "cause": cancelled.cause.rawValue]), refunded: nil)
        case .returnRecorded(let returned):
            return .transition(returned.orderId, status: nil, detail: EventCodec.encodeJSON(ReturnDetail(lines: returned.lines, reason: returned.reason, refund: returned.refund)), refunded: nil)
        case .refunded(let refunded):
            return .transition(refunded.orderId, status: nil, detail: EventCodec.encodeJSON(refunded.amount),
                               refunded: EventCodec.encodeJSON(refunded.refundedTotal))
        }
    }

    func add(_ events: [RecordedEvent], loadingFrom connection: PostgresConnection?, logger: Logger) async throws -> [ParkedEvent] {
        let outcomes = await decodeConcurrently(events) { Self.change(for: $0) }
        if let connection {
            try await load(Set(outcomes.compactMap { (try? $0?.get())?.orderID.rawValue }), from: connection, logger: logger)
        }
        for (event, outcome) in zip(events, outcomes) {
            guard let outcome, let change = hold.admit(event, outcome) else { continue }
            streamVersions.record(event)
            switch change {
            case .placed(let id, let row):
                if orders[id.rawValue] == nil {
                    orders[id.rawValue] = row
                    changedOrders.insert(id.rawValue)
                }
                record(id, status: "placed", detail: "{}", event)
            case .transition(let id, let status, let detail, let refunded):
                guard orders[id.rawValue] != nil else { continue }
                if let refunded { orders[id.rawValue]!.refunded = refunded }
                if let status { orders[id.rawValue]!.status = status }
                orders[id.rawValue]!.updatedAt = event.recordedAt
                orders[id.rawValue]!.position = event.position
                changedOrders.insert(id.rawValue)
                record(id, status: status, detail: detail, event)
            }
        }
        return hold.drain()
    }

    /// A return as the timeline shows it.
    struct ReturnDetail: Encodable {
        let lines: [ReturnLine]
        let reason: String
        let refund: Money?
    }

    private func record(_ id: OrderID, status: String?, detail: String, _ event: RecordedEvent) {
        guard let order = orders[id.rawValue] else { return }
        timeline.append(TimelineRow(
            orderID: id.rawValue, position: event.position, eventType: event.type, status: status ?? order.status,
            detail: detail, occurredAt: event.recordedAt
        ))
    }

    func flush(on connection: PostgresConnection, logger: Logger) async throws {
        let ids = Array(changedOrders)
        let rows = ids.map { orders[$0]! }
        try await BulkInsert(
            table: "order_history",
            columns: [
                ("order_id", "$1"), ("customer_kind", "$2"), ("customer_id", "$3"), ("status", "$4"), ("lines", "$5::jsonb"),
                ("totals", "$6::jsonb"), ("shipping_address", "$7::jsonb"), ("refunded", "nullif($8, '')::jsonb"),
                ("placed_at", "$9"), ("updated_at", "$10"), ("position", "$11"), ("discounts", "$12::jsonb"),
            ],
            conflict: """
                ON CONFLICT (order_id) DO UPDATE SET customer_kind = excluded.customer_kind, customer_id = excluded.customer_id,
                    status = excluded.status, lines = excluded.lines, totals = excluded.totals,
                    shipping_address = excluded.shipping_address, refunded = excluded.refunded, placed_at = excluded.placed_at,
                    updated_at = excluded.updated_at, position = excluded.position, discounts = excluded.discounts
                """
        ).write(
            [
                .text(ids), .text(rows.map(\.customerKind)), .text(rows.map(\.customerID)), .text(rows.map(\.status)),
                .text(rows.map(\.lines)), .text(rows.map(\.totals)), .text(rows.map(\.shippingAddress)),
                .text(rows.map { $0.refunded ?? "" }), .timestamptz(rows.map(\.placedAt)), .timestamptz(rows.map(\.updatedAt)),
                .bigint(rows.map(\.position)), .text(rows.map(\.discounts)),
            ],
            rowCount: ids.count, on: connection, logger: logger
        )
        try await BulkInsert(
            table: "order_timeline",
            columns: [
                ("order_id", "$1"), ("position", "$2"), ("event_type", "$3"), ("status", "$4"), ("detail", "$5::jsonb"),
                ("occurred_at", "$6"),
            ],
            conflict: "ON CONFLICT (order_id, position) DO NOTHING"
        ).write(
            [
                .text(timeline.map(\.orderID)), .bigint(timeline.map(\.position)), .text(timeline.map(\.eventType)),
                .text(timeline.map(\.status)), .text(timeline.map(\.detail)), .timestamptz(timeline.map(\.occurredAt)),
            ],
            rowCount: timeline.count, on: connection, logger: logger
        )
        changedOrders.removeAll(keepingCapacity: true)
        timeline.removeAll(keepingCapacity: true)
        try await streamVersions.write(projection: projection, on: connection, logger: logger)
    }
}
