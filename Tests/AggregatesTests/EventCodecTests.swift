@testable import Aggregates
import Foundation
import Testing

@Suite("Event encoding")
struct EventCodecTests {
    @Test("every event type's sample encodes and decodes back to itself")
    func roundTrips() throws {
        func check<E: DomainEvent>(_: E.Type) throws {
            for type in E.payloadTypes {
                let event = try #require(E(payload: type.sample))
                let encoded = EventCodec.encode(event)
                #expect(encoded.type == type.eventType)
                #expect(try EventCodec.decode(E.self, encoded) == event)
            }
        }
        try check(ProductEvent.self)
        try check(InventoryEvent.self)
        try check(CartEvent.self)
        try check(OrderEvent.self)
        try check(PaymentEvent.self)
        try check(PromotionEvent.self)
        try check(CouponEvent.self)
        try check(ActivityEvent.self)
        try check(ReviewEvent.self)
        try check(WishlistEvent.self)
        try check(CategoryTreeEvent.self)
        try check(ExchangeRatesEvent.self)
        try check(SpecificationCatalogEvent.self)
        #expect(EventCatalog.entries.count == 88, "40 types before promotions (7), coupons (4), the cart's coupon events (2), activity (2), reviews (7), wish lists (9), product editing (2), images (3), the category tree (4), exchange rates (2), translations (2), specifications (2 + 1) and SEO (1)")
        #expect(Set(EventCatalog.entries.map(\.eventType)).count == 88, "event type names are unique")
    }

    @Test("the encoding is stable: camelCase, money in minor units, ISO 8601 UTC")
    func stableEncoding() {
        let json = EventCodec.encode(InventoryEvent.reserved(StockReserved.sample)).json
        #expect(json == #"{"backordered":false,"expiresAt":"2027-01-15T08:00:00Z","levels":{"available":46,"onHand":48,"reserved":2},"orderId":"order-1001","quantity":2,"sku":"TEE-NAVY-M"}"#)
        #expect(EventCodec.encode(ProductEvent.priceSet(ProductPriceSet.sample)).json.contains(#""price":{"amount":2500,"currency":"EUR"}"#))
    }

    @Test("a stored ProductCreated v1 is upcast to v2 and v3 on read; v2 reads as v3 without a brand")
    func upcastsProductCreatedV1() throws {
        let stored = EncodedEvent(type: "ProductCreated", schemaVersion: 1, json: #"{"productId":"tee","name":"Tee","description":"","category":"Apparel / Shirts"}"#)
        let event = try EventCodec.decode(ProductEvent.self, stored)
        #expect(event == .created(ProductCreated(productId: try ProductID("tee"), name: "Tee", description: "", categoryPath: ["Apparel", "Shirts"])))
        let v2 = EncodedEvent(type: "ProductCreated", schemaVersion: 2, json: #"{"productId":"tee","name":"Tee","description":"","categoryPath":["Apparel"]}"#)
        #expect(try EventCodec.decode(ProductEvent.self, v2) == .created(ProductCreated(productId: try ProductID("tee"), name: "Tee", description: "", categoryPath: ["Apparel"], brand: nil)))
        // SearchPerformed v1 reads as v2 without a digest or filters.
        let search = EncodedEvent(type: "SearchPerformed", schemaVersion: 1, json: #"{"viewer":{"kind":"guest","id":"g1"},"query":"x","category":[],"resultCount":2}"#)
        #expect(try EventCodec.decode(ActivityEvent.self, search) == .searchPerformed(SearchPerformed(viewer: .guest("g1"), query: "x", category: [], resultCount: 2)))
        // v3 and ProductDetailsChanged v1 read as v4 and v2 in no category of the tree.
        let v3 = EncodedEvent(type: "ProductCreated", schemaVersion: 3, json: #"{"productId":"tee","name":"Tee","description":"","categoryPath":["Apparel"],"brand":"Fjell"}"#)
        #expect(try EventCodec.decode(ProductEvent.self, v3) == .created(ProductCreated(productId: try ProductID("tee"), name: "Tee", description: "", categoryPath: ["Apparel"], brand: "Fjell")))
        let details = EncodedEvent(type: "ProductDetailsChanged", schemaVersion: 1, json: #"{"productId":"tee","name":"Tee","description":"","categoryPath":["Home"]}"#)
        #expect(try EventCodec.decode(ProductEvent.self, details) == .detailsChanged(ProductDetailsChanged(
            productId: try ProductID("tee"), name: "Tee", description: "", categoryPath: ["Home"], brand: nil, categoryId: nil
        )))
    }

    @Test("v1 cancellations read their cause from the reason; v1 returns read as restocked without a refund; v1 payment events read unchanged")
    func upcastsLifecycleV1() throws {
        func cancelled(_ reason: String) throws -> CancellationCause {
            let stored = EncodedEvent(type: "OrderCancelled", schemaVersion: 1,
                                      json: #"{"orderId":"o-1","reason":"\#(reason)","refundDue":{"amount":0,"currency":"EUR"}}"#)
            guard case .cancelled(let event) = try EventCodec.decode(OrderEvent.self, stored) else { throw DomainError(.malformedEvent, "not a cancellation") }
            return event.cause
        }
        #expect(try cancelled("payment declined: card declined") == .paymentDeclined)
        #expect(try cancelled("reservation expired unpaid") == .expired)
        #expect(try cancelled("changed my mind") == .customer)
        let returned = EncodedEvent(type: "OrderReturnRecorded", schemaVersion: 1, json: #"{"orderId":"o-1","lines":[{"sku":"S-1","quantity":2}],"reason":"too small"}"#)
        #expect(try EventCodec.decode(OrderEvent.self, returned)
                == .returnRecorded(OrderReturnRecorded(orderId: try OrderID("o-1"), lines: [ReturnLine(sku: try SKU("S-1"), quantity: 2, disposition: .restock)], reason: "too small", refund: nil)))
        let voided = EncodedEvent(type: "PaymentVoided", schemaVersion: 1, json: #"{"paymentId":"p-1","orderId":"o-1","reason":"cancelled"}"#)
        #expect(try EventCodec.decode(PaymentEvent.self, voided) == .voided(PaymentVoided(paymentId: try PaymentID("p-1"), orderId: try OrderID("o-1"), reason: "cancelled")))
    }

    @Test("a v1 checkout and order read as v2 without discounts: a zero discount and the same total")
    func upcastsCheckoutV1() throws {
        let totals = #"{"subtotal":{"amount":2500,"currency":"USD"},"shipping":{"amount":545,"currency":"USD"},"tax":{"amount":0,"currency":"USD"},"total":{"amount":3045,"currency":"USD"}}"#
        let line = #"{"sku":"S-1","productId":"p-1","name":"Tee","quantity":1,"unitPrice":{"amount":2500,"currency":"USD"},"taxCategory":"standard"}"#
        let address = #"{"name":"Ada","line1":"1 Main St","city":"Boston","postalCode":"02108","country":"US"}"#
        let common = #""lines":[\#(line)],"shippingAddress":\#(address),"shippingMethod":"standard","totals":\#(totals)"#
        let stored = EncodedEvent(type: "OrderPlaced", schemaVersion: 1, json: #"{"orderId":"o-1","cartId":"c-1","customer":{"kind":"guest","id":"g"},\#(common)}"#)
        guard case .placed(let placed) = try EventCodec.decode(OrderEvent.self, stored) else { throw DomainError(.malformedEvent, "not an order") }
        #expect(placed.discounts.isEmpty && placed.linePrices == nil)
        #expect(placed.totals.discount == Money(0, .USD) && placed.totals.total == Money(3045, .USD))
        let checkout = EncodedEvent(type: "CartCheckedOut", schemaVersion: 1, json: #"{"cartId":"c-1","orderId":"o-1","owner":{"kind":"guest","id":"g"},\#(common)}"#)
        guard case .checkedOut(let checkedOut) = try EventCodec.decode(CartEvent.self, checkout) else { throw DomainError(.malformedEvent, "not a checkout") }
        #expect(checkedOut.discounts.isEmpty && checkedOut.totals.discount == Money(0, .USD))
    }

    @Test("unknown types, future versions and malformed data are refused with a code")
    func refusals() {
        func code(_ encoded: EncodedEvent) -> DomainError.Code? {
            do { _ = try EventCodec.decode(ProductEvent.self, encoded); return nil } catch { return error.code }
        }
        #expect(code(EncodedEvent(type: "Nope", schemaVersion: 1, json: "{}")) == .unknownEventType)
        #expect(code(EncodedEvent(type: "ProductCreated", schemaVersion: 5, json: "{}")) == .unknownEventVersion)
        #expect(code(EncodedEvent(type: "ProductPublished", schemaVersion: 1, json: #"{"productId":"bad id"}"#)) == .malformedEvent)
        #expect(code(EncodedEvent(type: "ProductPublished", schemaVersion: 1, json: "[]")) == .malformedEvent)
    }
}

@Suite("Event schemas")
struct EventSchemaFileTests {
    static let schemasDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("schemas/events")

    @Test("every event type has a JSON Schema for its current version, naming its stream category")
    func everyTypeHasASchema() throws {
        for entry in EventCatalog.entries {
            let file = Self.schemasDirectory.appendingPathComponent("\(entry.eventType).v\(entry.schemaVersion).json")
            let data = try #require(FileManager.default.contents(atPath: file.path), "missing \(file.lastPathComponent)")
            let schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(schema["x-stream-category"] as? String == entry.category, "\(file.lastPathComponent)")
            #expect(schema["title"] as? String == "\(entry.eventType) v\(entry.schemaVersion)")
        }
    }
}
