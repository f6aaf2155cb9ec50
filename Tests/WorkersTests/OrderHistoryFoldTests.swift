import Aggregates
import EventStore
import Foundation
import Logging
import Testing

@testable import Projections

/// The order history's fold: each event changes its order once, in position order, and an event
/// for an order it has no row of changes nothing.
@Suite struct OrderHistoryFoldTests {
    private let logger = Logger(label: "order-history-fold-tests")

    @Test func aRedeliveredOrOlderEventAddsNoStep() async throws {
        let builder = OrderHistoryBuilder(projection: "order-history")
        try await builder.add([placed("order-1", at: 10), event("OrderPaid", "order-1", at: 12)], loadingFrom: nil, logger: logger)
        // The paid event again, then one older than it: both are in the timeline already.
        try await builder.add([event("OrderPaid", "order-1", at: 12), event("OrderPaymentAuthorized", "order-1", at: 11)], loadingFrom: nil, logger: logger)
        let order = try #require(builder.order("order-1"))
        #expect(order.status == "paid" && order.position == 12)
        #expect(try steps(order) == ["OrderPlaced:placed", "OrderPaid:paid"])
        // A later one applies.
        try await builder.add([event("OrderDelivered", "order-1", at: 15)], loadingFrom: nil, logger: logger)
        #expect(try steps(#require(builder.order("order-1"))) == ["OrderPlaced:placed", "OrderPaid:paid", "OrderDelivered:delivered"])
    }

    @Test func aTransitionOfAnOrderWithoutARowMakesNone() async throws {
        let builder = OrderHistoryBuilder(projection: "order-history")
        try await builder.add([event("OrderPaid", "order-2", at: 5)], loadingFrom: nil, logger: logger)
        #expect(builder.order("order-2") == nil)
        // A second placement of the same order keeps the first row.
        try await builder.add([placed("order-2", at: 6), event("OrderPaid", "order-2", at: 7), placed("order-2", at: 8)], loadingFrom: nil, logger: logger)
        let order = try #require(builder.order("order-2"))
        #expect(order.position == 7 && order.status == "paid")
    }

    /// Each step as `eventType:status`, in order.
    private func steps(_ order: OrderHistoryBuilder.OrderRow) throws -> [String] {
        let array = try #require(try JSONSerialization.jsonObject(with: Data(order.timeline.utf8)) as? [[String: Any]])
        return array.map { "\($0["eventType"] as? String ?? "?"):\($0["status"] as? String ?? "?")" }
    }

    private func event(_ type: String, _ order: String, at position: Int64) throws -> RecordedEvent {
        try .sample(type: type, version: Self.version(of: type), json: #"{"orderId":"\#(order)"}"#, stream: order, position: position)
    }

    private func placed(_ order: String, at position: Int64) throws -> RecordedEvent {
        let json = #"""
            {"cartId":"cart-1","customer":{"kind":"customer","id":"cust-1"},"discounts":[],"lines":[],"orderId":"\#(order)",\#
            "shippingAddress":{"city":"Berlin"},"shippingMethod":"standard","totals":{"total":{"amount":0,"currency":"EUR"}}}
            """#
        return try .sample(type: "OrderPlaced", version: Self.version(of: "OrderPlaced"), json: json, stream: order, position: position)
    }

    private static func version(of type: String) -> Int {
        EventCatalog.entries.first { $0.eventType == type }?.schemaVersion ?? 1
    }
}
