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
        #expect(EventCatalog.entries.count == 39)
        #expect(Set(EventCatalog.entries.map(\.eventType)).count == 39, "event type names are unique")
    }

    @Test("the encoding is stable: camelCase, money in minor units, ISO 8601 UTC")
    func stableEncoding() {
        let json = EventCodec.encode(InventoryEvent.reserved(StockReserved.sample)).json
        #expect(json == #"{"backordered":false,"expiresAt":"2027-01-15T08:00:00Z","levels":{"available":46,"onHand":48,"reserved":2},"orderId":"order-1001","quantity":2,"sku":"TEE-NAVY-M"}"#)
        #expect(EventCodec.encode(ProductEvent.priceSet(ProductPriceSet.sample)).json.contains(#""price":{"amount":2500,"currency":"EUR"}"#))
    }

    @Test("a stored ProductCreated v1 is upcast to v2 on read")
    func upcastsProductCreatedV1() throws {
        let stored = EncodedEvent(type: "ProductCreated", schemaVersion: 1, json: #"{"productId":"tee","name":"Tee","description":"","category":"Apparel / Shirts"}"#)
        let event = try EventCodec.decode(ProductEvent.self, stored)
        #expect(event == .created(ProductCreated(productId: try ProductID("tee"), name: "Tee", description: "", categoryPath: ["Apparel", "Shirts"])))
    }

    @Test("unknown types, future versions and malformed data are refused with a code")
    func refusals() {
        func code(_ encoded: EncodedEvent) -> DomainError.Code? {
            do { _ = try EventCodec.decode(ProductEvent.self, encoded); return nil } catch { return error.code }
        }
        #expect(code(EncodedEvent(type: "Nope", schemaVersion: 1, json: "{}")) == .unknownEventType)
        #expect(code(EncodedEvent(type: "ProductCreated", schemaVersion: 3, json: "{}")) == .unknownEventVersion)
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
