import Aggregates
import EventStore
import Foundation
import Testing

@testable import Projections

/// The order history reads its rows' parts straight from each event's JSON. The reference here is
/// the other way of getting them: decoding the whole domain event and encoding its parts again
/// (what the builder did before), over every order event sample, hand-written older versions,
/// and a synthetic history's orders with their cancellations, returns and refunds.
@Suite struct OrderHistoryChangeTests {
    @Test func everySampleReadsAsTheDecodedEventEncodesIt() throws {
        let entries = EventCatalog.entries.filter { $0.category == "order" }
        #expect(entries.count == 9)
        for entry in entries {
            try expectSameChange(Self.recorded(type: entry.eventType, version: entry.schemaVersion, json: entry.sampleJSON))
        }
    }

    @Test func olderVersionsAreUpcastFirst() throws {
        let v1 = [
            ("OrderCancelled", #"{"orderId":"order-7","reason":"payment declined: card expired","refundDue":{"amount":0,"currency":"EUR"}}"#),
            ("OrderReturnRecorded", #"{"lines":[{"quantity":1,"sku":"MUG-1"}],"orderId":"order-7","reason":"chipped"}"#),
            ("OrderPlaced", #"{"cartId":"cart-7","customer":{"kind":"guest","id":"guest-token-7"},"lines":[{"name":"Mug","productId":"mug","quantity":1,"sku":"MUG-1","taxCategory":"standard","unitPrice":{"amount":1200,"currency":"EUR"}}],"orderId":"order-7","shippingAddress":{"city":"Berlin","country":"DE","line1":"1 Main Street","name":"Ada","postalCode":"10115"},"shippingMethod":"standard","totals":{"discount":{"amount":0,"currency":"EUR"},"shipping":{"amount":495,"currency":"EUR"},"subtotal":{"amount":1200,"currency":"EUR"},"tax":{"amount":228,"currency":"EUR"},"total":{"amount":1923,"currency":"EUR"}}}"#),
        ]
        for (type, json) in v1 {
            try expectSameChange(Self.recorded(type: type, version: 1, json: json))
        }
    }

    @Test func aSyntheticHistorysOrdersReadAlike() throws {
        var history = SyntheticHistory(seed: 7, start: Date(timeIntervalSince1970: 1_700_000_000))
        _ = try history.catalog(products: 40)
        var types: Set<String> = []
        for _ in 0..<300 {
            for append in try history.order() where append.stream.hasPrefix("order-") {
                for event in append.events {
                    types.insert(event.type)
                    try expectSameChange(Self.recorded(type: event.type, version: event.schemaVersion, json: event.json))
                }
            }
        }
        // Cancellations, returns and refunds came up, not only the happy path.
        #expect(types.isSuperset(of: ["OrderPlaced", "OrderPaid", "OrderCancelled", "OrderReturnRecorded", "OrderRefunded", "OrderShipped"]))
    }

    @Test func aReturnWithoutRefundLeavesTheRefundOut() throws {
        let json = #"{"lines":[{"disposition":"writeOff","quantity":2,"sku":"MUG-1"}],"orderId":"order-8","reason":"broken"}"#
        try expectSameChange(Self.recorded(type: "OrderReturnRecorded", version: 2, json: json))
        let nullRefund = #"{"lines":[],"orderId":"order-8","reason":"broken","refund":null}"#
        try expectSameChange(Self.recorded(type: "OrderReturnRecorded", version: 2, json: nullRefund))
    }

    @Test func unknownTypesAndMissingFieldsPark() throws {
        #expect(throws: DomainError.self) { try OrderHistoryBuilder.change(for: Self.recorded(type: "OrderTeleported", version: 1, json: #"{"orderId":"o"}"#)).get() }
        #expect(throws: DomainError.self) { try OrderHistoryBuilder.change(for: Self.recorded(type: "OrderShipped", version: 1, json: #"{"orderId":"o","carrier":"DHL"}"#)).get() }
        #expect(throws: DomainError.self) { try OrderHistoryBuilder.change(for: Self.recorded(type: "OrderPaid", version: 1, json: #"{"amount":{"amount":1,"currency":"EUR"}}"#)).get() }
        #expect(throws: DomainError.self) { try OrderHistoryBuilder.change(for: Self.recorded(type: "OrderPaid", version: 1, json: "not json")).get() }
    }

    // MARK: The reference

    private func expectSameChange(_ event: RecordedEvent) throws {
        let read = try OrderHistoryBuilder.change(for: event).get()
        let decoded = try Self.decodedChange(event)
        switch (read, decoded) {
        case let (.placed(id, row), .placed(expectedID, expected)):
            #expect(id == expectedID)
            #expect(row.customerKind == expected.customerKind && row.customerID == expected.customerID && row.status == expected.status)
            for (part, value, reference) in [("lines", row.lines, expected.lines), ("totals", row.totals, expected.totals),
                                             ("discounts", row.discounts, expected.discounts), ("address", row.shippingAddress, expected.shippingAddress)] {
                try #expect(Self.sameJSON(value, reference), "\(event.type) \(part): \(value) ≠ \(reference)")
            }
            #expect(row.refunded == nil && row.position == expected.position && row.placedAt == expected.placedAt)
            try #expect(Self.sameJSON(row.timeline, expected.timeline), "\(row.timeline) ≠ \(expected.timeline)")
        case let (.transition(id, status, step, refunded), .transition(expectedID, expectedStatus, expectedStep, expectedRefunded)):
            #expect(id == expectedID && status == expectedStatus, "\(event.type)")
            // A step lacks its status (and closing brace) until the fold adds them.
            let (closed, expectedClosed) = (step + #","status":"s"}"#, expectedStep + #","status":"s"}"#)
            try #expect(Self.sameJSON(closed, expectedClosed), "\(event.type) step: \(closed) ≠ \(expectedClosed)")
            #expect((refunded == nil) == (expectedRefunded == nil), "\(event.type)")
            if let refunded, let expectedRefunded { try #expect(Self.sameJSON(refunded, expectedRefunded), "\(event.type) refunded") }
        default:
            Issue.record("\(event.type): read \(read), decoded \(decoded)")
        }
    }

    /// The same JSON value, whatever the spacing and key order.
    private static func sameJSON(_ a: String, _ b: String) throws -> Bool {
        let canonical = { (text: String) in
            try JSONSerialization.data(
                withJSONObject: try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed), options: [.sortedKeys, .fragmentsAllowed]
            )
        }
        return try canonical(a) == canonical(b)
    }

    /// The builder's change worked out by decoding the domain event whole.
    private static func decodedChange(_ event: RecordedEvent) throws -> OrderHistoryBuilder.Change {
        let order = try EventCodec.decode(OrderEvent.self, EncodedEvent(type: event.type, schemaVersion: Int(event.schemaVersion), json: event.data))
        func transition(_ id: OrderID, _ status: String?, _ detail: some Encodable, refunded: String? = nil) -> OrderHistoryBuilder.Change {
            .transition(id, status: status, step: step(detail), refunded: refunded)
        }
        /// The step's members but the status, the time as Foundation writes it in ISO 8601.
        func step(_ detail: some Encodable) -> String {
            let members = [
                #""eventType":"\#(event.type)""#, #""position":\#(event.position)"#, #""occurredAt":"\#(Self.iso8601Microseconds(event.recordedAt))""#,
                #""detail":\#(EventCodec.encodeJSON(detail))"#,
            ]
            return "{" + members.joined(separator: ",")
        }
        let empty: [String: String] = [:]
        switch order {
        case .placed(let placed):
            let (kind, customer): (String, String) = switch placed.customer {
            case .customer(let id): ("customer", id.rawValue)
            case .guest(let token): ("guest", token)
            }
            return .placed(placed.orderId, OrderHistoryBuilder.OrderRow(
                customerKind: kind, customerID: customer, status: "placed", lines: EventCodec.encodeJSON(placed.lines),
                totals: EventCodec.encodeJSON(placed.totals), discounts: EventCodec.encodeJSON(placed.discounts),
                shippingAddress: EventCodec.encodeJSON(placed.shippingAddress), refunded: nil, placedAt: event.recordedAt,
                updatedAt: event.recordedAt, position: event.position, timeline: "[" + step(empty) + #","status":"placed"}]"#
            ))
        case .paymentAuthorized(let e): return transition(e.orderId, "paymentAuthorized", empty)
        case .paid(let e): return transition(e.orderId, "paid", empty)
        case .fulfilmentRecorded(let e): return transition(e.orderId, e.complete ? "fulfilled" : "partiallyFulfilled", ["lines": e.lines])
        case .shipped(let e): return transition(e.orderId, "shipped", ["carrier": e.carrier, "trackingNumber": e.trackingNumber])
        case .delivered(let e): return transition(e.orderId, "delivered", empty)
        case .cancelled(let e): return transition(e.orderId, "cancelled", ["reason": e.reason, "cause": e.cause.rawValue])
        case .returnRecorded(let e): return transition(e.orderId, nil, ReturnDetail(lines: e.lines, reason: e.reason, refund: e.refund))
        case .refunded(let e): return transition(e.orderId, nil, e.amount, refunded: EventCodec.encodeJSON(e.refundedTotal))
        }
    }

    /// `yyyy-MM-ddTHH:mm:ss.ffffffZ` in UTC: the seconds by Foundation's formatter, the
    /// microseconds as postgres-nio counts them (whole ones since 2000, cut toward zero).
    static func iso8601Microseconds(_ date: Date) -> String {
        let micros = Int64(date.timeIntervalSince(Date(timeIntervalSince1970: 946_684_800)) * 1_000_000)
        let seconds = Date(timeIntervalSince1970: 946_684_800 + Double(micros.quotientAndRemainder(dividingBy: 1_000_000).quotient))
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        let whole = formatter.string(from: seconds)
        return whole.dropLast() + "." + String(format: "%06lld", micros % 1_000_000) + "Z"
    }

    private struct ReturnDetail: Encodable {
        let lines: [ReturnLine]
        let reason: String
        let refund: Money?
    }

    private static func recorded(type: String, version: Int, json: String) throws -> RecordedEvent {
        try .sample(type: type, version: version, json: json, stream: "order-sample")
    }
}
