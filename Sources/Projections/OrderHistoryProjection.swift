import Aggregates
import EventStore
import Foundation
import Logging
import PostgresNIO

/// Order history: per customer, their orders with lines, totals, current status, and each
/// order's status timeline (a JSON array on the order's row, `0035`).
public struct OrderHistoryProjection: Projection {
    public let name = "order-history"
    public let categories: Set<String> = ["order"]
    public let tables = ["order_history"]

    public init() {}

    public func makeBuilder() -> any ReadModelBuilder { OrderHistoryBuilder(projection: name) }
}

/// Orders in memory, and the fold of order events onto them.
final class OrderHistoryBuilder: TableWritingBuilder {
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
        /// The last event applied.
        var position: Int64
        /// The JSON array of the order's steps, as the column holds it.
        var timeline: String

        /// Adds a step (``OrderHistoryBuilder/step(_:detail:)``) showing the order's status after it.
        mutating func appendStep(_ step: String, status: String) {
            // The array ends in its bracket (this builder and the migration write it so);
            // an empty one is `[]`.
            let empty = timeline == "[]"
            timeline.removeLast()
            if !empty { timeline += "," }
            timeline += step
            timeline += ",\"status\":\""
            timeline += status
            timeline += "\"}]"
        }
    }

    private let projection: String
    /// Orders by the interned number of their id.
    private var orderNumbers = InternedNames()
    private var orders = NumberedRows<OrderRow>()
    private let streamVersions = StreamVersions()
    var recordsStreamVersions: Bool {
        get { streamVersions.enabled }
        set { streamVersions.enabled = newValue }
    }
    /// The next flush copies its rows in (a rebuild's only flush).
    var writesIntoEmptyTables = false
    private let hold = StreamHold()

    init(projection: String) {
        self.projection = projection
    }

    /// What one event does to the rows, with its JSON already encoded: worked out on every
    /// core (``decodeAndFold(_:loadingFrom:decode:load:fold:)``), applied in order.
    enum Change: Sendable {
        /// The row comes with its first step.
        case placed(OrderID, OrderRow)
        /// `status` nil: the status stays. `step`: the timeline's step but for the status after
        /// it. `refunded`: the new refunded total.
        case transition(OrderID, status: String?, step: String, refunded: String?)

        var orderID: OrderID {
            switch self {
            case .placed(let id, _), .transition(let id, _, _, _): id
            }
        }
    }

    /// A timeline step's JSON object for `event` without its closing brace, where
    /// ``OrderRow/appendStep(_:status:)`` adds the status the order has after it: worked out
    /// while decoding, on every core, with the time written by arithmetic.
    static func step(_ event: RecordedEvent, detail: String) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(100 + event.type.utf8.count + detail.utf8.count)
        text.append(contentsOf: #"{"eventType":""#.utf8)
        // Only the order event types below get here: letters, nothing to escape.
        text.append(contentsOf: event.type.utf8)
        text.append(contentsOf: #"","position":"#.utf8)
        ASCIIText.appendDigits(event.position, to: &text)
        text.append(contentsOf: #","occurredAt":""#.utf8)
        ASCIIText.appendTime(event.recordedAt, style: .iso8601, to: &text)
        text.append(contentsOf: #"","detail":"#.utf8)
        text.append(contentsOf: detail.utf8)
        return String(decoding: text, as: UTF8.self)
    }

    private func load(_ wanted: Set<String>, from connection: PostgresConnection, logger: Logger) async throws {
        let ids = Array(wanted.filter { id in orderNumbers.existingNumber(id).map { !orders.contains($0) } ?? true })
        guard !ids.isEmpty else { return }
        let rows = try await connection.query(
            """
            SELECT order_id, customer_kind, customer_id, status, lines::text, totals::text, discounts::text, shipping_address::text, refunded::text,
                   placed_at, updated_at, position, timeline::text
            FROM order_history WHERE order_id = ANY(\(ids))
            """,
            logger: logger
        )
        for try await (id, kind, customer, status, lines, totals, discounts, address, refunded, placedAt, updatedAt, position, timeline) in rows.decode(
            (String, String, String, String, String, String, String, String, String?, Date, Date, Int64, String).self
        ) {
            let row = OrderRow(
                customerKind: kind, customerID: customer, status: status, lines: lines, totals: totals, discounts: discounts, shippingAddress: address,
                refunded: refunded, placedAt: placedAt, updatedAt: updatedAt, position: position, timeline: timeline
            )
            orders.load(row, at: orderNumbers.number(id))
        }
    }

    /// The current schema version of each order event type.
    private static let currentVersions = JSONObject.currentVersions(of: ["order"])

    /// What `event` does to the rows, read field by field from its JSON (``JSONObject``; older
    /// schema versions upcast first): decoding whole order events was most of a rebuild's
    /// time. The JSON parts the rows keep (lines, totals, an address, a timeline detail) are the
    /// event's own text of them, which is what encoding the decoded part writes: events are
    /// stored as ``EventCodec`` encoded them. An unknown type, a field missing or an invalid
    /// order id parks it.
    static func change(for event: RecordedEvent) -> Result<Change, DomainError> {
        JSONObject.read(event, versions: currentVersions, by: "the order history") { object throws(DomainError) in
            try change(event.type, object, event)
        }
    }

    private static func change(_ type: String, _ object: JSONObject, _ event: RecordedEvent) throws(DomainError) -> Change? {
        guard let id = object.string("orderId") else { return nil }
        let orderID = try OrderID(id)
        func transition(_ status: String?, detail: String? = "{}", refunded: String? = nil) -> Change? {
            detail.map { .transition(orderID, status: status, step: step(event, detail: $0), refunded: refunded) }
        }
        /// A detail object of members taken as they are, in the encoder's (sorted) key order;
        /// nil when a required one is missing.
        func detail(_ names: String..., optional: Set<String> = []) -> String? {
            var members: [String] = []
            for name in names {
                // A missing optional part is left out, as the encoder leaves out nil.
                if let value = object.raw(name), !(optional.contains(name) && value == "null") {
                    members.append("\"\(name)\":\(value)")
                } else if !optional.contains(name) {
                    return nil
                }
            }
            return "{" + members.joined(separator: ",") + "}"
        }
        switch type {
        case "OrderPlaced":
            guard let customer = object.object("customer"), let kind = customer.string("kind"), let customerID = customer.string("id"),
                  let lines = object.raw("lines"), let totals = object.raw("totals"), let discounts = object.raw("discounts"),
                  let address = object.raw("shippingAddress") else { return nil }
            var row = OrderRow(
                customerKind: kind, customerID: customerID, status: "placed", lines: lines, totals: totals, discounts: discounts,
                shippingAddress: address, refunded: nil, placedAt: event.recordedAt, updatedAt: event.recordedAt, position: event.position,
                timeline: "[]"
            )
            row.appendStep(step(event, detail: "{}"), status: "placed")
            return .placed(orderID, row)
        case "OrderPaymentAuthorized": return transition("paymentAuthorized")
        case "OrderPaid": return transition("paid")
        case "OrderFulfilmentRecorded":
            guard let complete = object.boolean("complete") else { return nil }
            return transition(complete ? "fulfilled" : "partiallyFulfilled", detail: detail("lines"))
        case "OrderShipped": return transition("shipped", detail: detail("carrier", "trackingNumber"))
        case "OrderDelivered": return transition("delivered")
        case "OrderCancelled": return transition("cancelled", detail: detail("cause", "reason"))
        case "OrderReturnRecorded": return transition(nil, detail: detail("lines", "reason", "refund", optional: ["refund"]))
        case "OrderRefunded":
            guard let total = object.raw("refundedTotal") else { return nil }
            return transition(nil, detail: object.raw("amount"), refunded: total)
        default: return nil
        }
    }

    func add(_ events: [RecordedEvent], loadingFrom connection: PostgresConnection?, logger: Logger) async throws -> [ParkedEvent] {
        try await decodeAndFold(events, loadingFrom: connection, decode: { Self.change(for: $0) }) { outcomes, connection in
            try await load(Set(outcomes.compactMap { (try? $0?.get())?.orderID.rawValue }), from: connection, logger: logger)
        } fold: { fold($0, $1) }
        return hold.drain()
    }

    private func fold(_ event: RecordedEvent, _ outcome: Result<Change, DomainError>?) {
        guard let outcome, let change = hold.admit(event, outcome) else { return }
        streamVersions.record(event)
        // Each order is looked up once, by its id's number, and changed where it is stored: a
        // rebuild folds a million events into a quarter of a million orders.
        switch change {
        case .placed(let id, let row):
            let number = orderNumbers.number(id.rawValue)
            if !orders.contains(number) { orders.update(number, default: row) { _ in } }
        case .transition(let id, let status, let step, let refunded):
            guard let number = orderNumbers.existingNumber(id.rawValue) else { return }
            orders.updateExisting(number) { order in
                // An event at or before the last one applied is in the timeline already.
                guard event.position > order.position else { return false }
                if let refunded { order.refunded = refunded }
                if let status { order.status = status }
                order.updatedAt = event.recordedAt
                order.position = event.position
                order.appendStep(step, status: order.status)
                return true
            }
        }
    }

    /// The row of `id` as folded so far, if any.
    func order(_ id: String) -> OrderRow? {
        orderNumbers.existingNumber(id).flatMap { orders[$0] }
    }

    func takeFoldedRows() -> any Sendable {
        defer { (orders, orderNumbers) = (NumberedRows(), InternedNames()) }
        return (orders, orderNumbers)
    }

    func takeWrites(logger: Logger) -> TableWrites {
        // In key order: a rebuild copies them into a table whose index is built afterwards.
        let changed = orders.takeChanged()
        let ids = changed.map { orderNumbers[$0.number] }
        let orderRows = ids.indices.sorted { ids[$0] < ids[$1] }.map { (id: ids[$0], row: changed[$0].row) }
        let copying = writesIntoEmptyTables
        writesIntoEmptyTables = false
        var writes = TableWrites()
        // A rebuild copies its orders in two halves at once: copying them in is most of its writing.
        let parts = copying && orderRows.count > 1 ? 2 : 1
        writes.add("order_history", parts: parts) { connection, part in
            let share = orderRows[orderRows.count * part / parts ..< orderRows.count * (part + 1) / parts]
            try await Self.writeOrders(Array(share), copying: copying, on: connection, logger: logger)
        }
        let (versions, projection) = (streamVersions.take(), projection)
        writes.add("projection_stream_versions") { try await StreamVersions.write(versions, projection: projection, on: $0, logger: logger) }
        return writes
    }

    private static func writeOrders(_ orders: [(id: String, row: OrderRow)], copying: Bool, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = orders.map(\.row)
        try await BulkInsert(
            table: "order_history",
            columns: [
                ("order_id", "$1"), ("customer_kind", "$2"), ("customer_id", "$3"), ("status", "$4"), ("lines", "$5::json"),
                ("totals", "$6::json"), ("shipping_address", "$7::json"), ("refunded", "nullif($8, '')::json"),
                ("placed_at", "$9"), ("updated_at", "$10"), ("position", "$11"), ("discounts", "$12::json"), ("timeline", "$13::json"),
            ],
            conflict: """
                ON CONFLICT (order_id) DO UPDATE SET customer_kind = excluded.customer_kind, customer_id = excluded.customer_id,
                    status = excluded.status, lines = excluded.lines, totals = excluded.totals,
                    shipping_address = excluded.shipping_address, refunded = excluded.refunded, placed_at = excluded.placed_at,
                    updated_at = excluded.updated_at, position = excluded.position, discounts = excluded.discounts,
                    timeline = excluded.timeline
                """
        ).write(
            [
                .text(orders.map(\.id)), .text(rows.map(\.customerKind)), .text(rows.map(\.customerID)), .text(rows.map(\.status)),
                .text(rows.map(\.lines)), .text(rows.map(\.totals)), .text(rows.map(\.shippingAddress)),
                .text(rows.map { $0.refunded ?? "" }), .timestamptz(rows.map(\.placedAt)), .timestamptz(rows.map(\.updatedAt)),
                .bigint(rows.map(\.position)), .text(rows.map(\.discounts)), .text(rows.map(\.timeline)),
            ],
            rowCount: rows.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }
}
