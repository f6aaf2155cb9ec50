import Aggregates
import EventStore
import Foundation
import Testing

@testable import Projections

/// The catalog reads inventory events' stock levels field by field. The reference is each event
/// decoded whole: the levels it carries, or none for thresholds and backorder policies.
@Suite struct CatalogStockFactsTests {
    @Test func everyInventorySampleAndASyntheticHistorysStockReadAsDecoded() throws {
        var events = EventCatalog.entries.filter { $0.category == "inventory" }.map { EncodedEvent(type: $0.eventType, schemaVersion: $0.schemaVersion, json: $0.sampleJSON) }
        #expect(events.count == 8)
        var history = SyntheticHistory(seed: 11, start: Date(timeIntervalSince1970: 1_700_000_000))
        events += try history.catalog(products: 20).filter { $0.stream.hasPrefix("inventory-") }.flatMap(\.events)
        for _ in 0..<100 {
            events += try history.order().filter { $0.stream.hasPrefix("inventory-") }.flatMap(\.events)
        }
        #expect(Set(events.map(\.type)).isSuperset(of: ["StockReceived", "StockReserved", "StockReservationCommitted", "StockReservationReleased"]))
        for encoded in events {
            let recorded = RecordedEvent(
                position: 1, stream: try StreamName("inventory-sample"), version: 1, id: UUID(), type: encoded.type,
                schemaVersion: Int32(encoded.schemaVersion), data: encoded.json, metadata: EventMetadata(), recordedAt: Date()
            )
            let levels: (sku: String, levels: StockLevels)? = switch try EventCodec.decode(InventoryEvent.self, encoded) {
            case .received(let e): (e.sku.rawValue, e.levels)
            case .adjusted(let e): (e.sku.rawValue, e.levels)
            case .reserved(let e): (e.sku.rawValue, e.levels)
            case .released(let e): (e.sku.rawValue, e.levels)
            case .committed(let e): (e.sku.rawValue, e.levels)
            case .thresholdSet, .thresholdCrossed, .backorderChanged: nil
            }
            switch (try CatalogBuilder.stock(recorded).get(), levels) {
            case let (.stock(sku, onHand, available), expected?):
                #expect(sku == expected.sku && onHand == expected.levels.onHand && available == expected.levels.available, "\(encoded.type)")
            case (.stockUnchanged, nil):
                break
            case let (read, expected):
                Issue.record("\(encoded.type): read \(read), decoded \(String(describing: expected))")
            }
        }
    }

    @Test func anUnknownInventoryEventParks() throws {
        let event = RecordedEvent(
            position: 1, stream: try StreamName("inventory-sample"), version: 1, id: UUID(), type: "StockTeleported",
            schemaVersion: 1, data: #"{"sku":"A"}"#, metadata: EventMetadata(), recordedAt: Date()
        )
        #expect(throws: DomainError.self) { try CatalogBuilder.stock(event).get() }
    }
}
