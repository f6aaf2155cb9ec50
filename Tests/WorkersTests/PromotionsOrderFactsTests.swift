import Aggregates
import EventStore
import Foundation
import Testing

@testable import Projections

/// The promotions read model reads placed and cancelled orders field by field. The reference is
/// the domain event decoded whole, each applied discount made into a redemption row by hand.
@Suite struct PromotionsOrderFactsTests {
    @Test func placedOrdersGiveARowPerDiscountAsTheDecodedEventDoes() throws {
        var withTwo = OrderPlaced.sample
        var automatic = AppliedDiscount.sample
        automatic.promotionId = try PromotionID("promo-automatic")
        automatic.code = nil
        automatic.amount = Money(125, .EUR)
        withTwo.discounts.append(automatic)
        var none = OrderPlaced.sample
        none.discounts = []
        none.customer = .guest("guest-token-9")
        for placed in [OrderPlaced.sample, withTwo, none] {
            let event = try Self.recorded(EventCodec.encode(OrderEvent.placed(placed)))
            guard case .orderPlaced(let rows) = try PromotionsBuilder.orderFacts(event).get() else {
                Issue.record("not read as a placed order")
                continue
            }
            let (kind, customer): (String, String) = switch placed.customer {
            case .customer(let id): ("customer", id.rawValue)
            case .guest(let token): ("guest", token)
            }
            #expect(rows.count == placed.discounts.count)
            for (row, discount) in zip(rows, placed.discounts) {
                #expect(row.promotionID == discount.promotionId.rawValue && row.orderID == placed.orderId.rawValue)
                #expect(row.code == discount.code?.rawValue && row.discount == discount.amount.amount)
                #expect(row.customerKind == kind && row.customerID == customer)
                #expect(row.orderTotal == placed.totals.total.amount && row.currency == placed.totals.total.currency.code)
                #expect(row.placedAt == event.recordedAt)
            }
        }
    }

    @Test func cancelledOrdersGiveTheirID() throws {
        let event = try Self.recorded(EventCodec.encode(OrderEvent.cancelled(OrderCancelled.sample)))
        guard case .orderCancelled(let id) = try PromotionsBuilder.orderFacts(event).get() else {
            Issue.record("not read as a cancelled order")
            return
        }
        #expect(id == OrderCancelled.sample.orderId.rawValue)
    }

    @Test func otherOrderEventsAreIgnoredAndUnknownOnesPark() throws {
        let paid = try Self.recorded(EventCodec.encode(OrderEvent.paid(OrderPaid.sample)))
        guard case .ignored = try PromotionsBuilder.orderFacts(paid).get() else {
            Issue.record("a payment is not ignored")
            return
        }
        let unknown = try Self.recorded(EncodedEvent(type: "OrderTeleported", schemaVersion: 1, json: #"{"orderId":"o"}"#))
        #expect(throws: DomainError.self) { try PromotionsBuilder.orderFacts(unknown).get() }
        let noTotals = try Self.recorded(EncodedEvent(type: "OrderPlaced", schemaVersion: 2, json: #"{"orderId":"o","customer":{"id":"c","kind":"customer"},"discounts":[]}"#))
        #expect(throws: DomainError.self) { try PromotionsBuilder.orderFacts(noTotals).get() }
    }

    private static func recorded(_ encoded: EncodedEvent) throws -> RecordedEvent {
        try .sample(type: encoded.type, version: encoded.schemaVersion, json: encoded.json, stream: "order-sample", position: 9)
    }
}
