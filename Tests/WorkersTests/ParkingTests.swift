@testable import Aggregates
import EventStore
import Foundation
import PostgresNIO
import Projections
import Testing
import TestSupport
import Workers

@Suite("Events a read model cannot apply are parked, not skipped")
struct ParkingTests {
    @Test("a poison event (a schema version the code does not know) is parked with its stream's later events; the projection goes on; after the code learns the version, retry-parked applies them and the read model equals a rebuild")
    func poisonEventIsParkedAndRetried() async throws {
        try await withTestDatabase { client, _ in
            let logger = TestEnvironment.logger
            let store = PostgresEventStore(client: client, logger: logger)
            try await appendCatalogAndOrders(store, products: 3)
            // A product whose publication was written by a newer writer (v7 of ProductPublished),
            // then more of its own events, then other streams' events.
            func event(_ payload: some DomainEvent) -> NewEvent {
                let encoded = EventCodec.encode(payload)
                return NewEvent(type: encoded.type, schemaVersion: Int32(encoded.schemaVersion), data: encoded.json)
            }
            let poisoned = try ProductID("poisoned")
            let sku = try SKU("POISON-1")
            try await store.append([event(ProductEvent.created(ProductCreated(productId: poisoned, name: "Poisoned", description: "", categoryPath: ["Test"])))],
                                   to: .of("product", poisoned), expectedVersion: .noStream)
            try await store.append([NewEvent(type: "ProductPublished", schemaVersion: 7, data: #"{"productId":"poisoned","channels":["web"]}"#)],
                                   to: .of("product", poisoned), expectedVersion: .exact(1))
            try await store.append([event(ProductEvent.variantAdded(ProductVariantAdded(productId: poisoned, sku: sku, attributes: ["size": "M"]))),
                                    event(ProductEvent.priceSet(ProductPriceSet(productId: poisoned, sku: sku, price: Money(1200, .EUR), previousPrice: nil)))],
                                   to: .of("product", poisoned), expectedVersion: .exact(2))
            try await appendCatalogAndOrders(store, products: 2, prefix: "later")

            // The projector's way: a few events per transaction.
            let events = try await readEverything(store)
            for start in stride(from: 0, to: events.count, by: 5) {
                let batch = Array(events[start..<min(events.count, start + 5)])
                _ = try await client.withTransaction(logger: logger) { connection in
                    try await ProjectionApplier.apply(batch, to: WorkerSet.projections, on: connection, logger: logger)
                }
            }
            #expect(try await ParkedEvents.counts(client: client, logger: logger) == ["catalog": 3], "the poison and the two events held behind it")
            let errors = try await client.query("SELECT event_type, error FROM parked_events ORDER BY position").decode((String, String).self).collectAll()
            #expect(errors.first?.0 == "ProductPublished" && errors.first?.1.contains("event.unknown_version") == true)
            #expect(errors.dropFirst().allSatisfy { $0.1.contains("held behind") })
            // The projection went on past it: the later products are there, the poisoned one as it was before the poison.
            #expect(try await count("SELECT count(*) FROM catalog_products WHERE product_id LIKE 'later%'", client) == 2)
            #expect(try await client.query("SELECT status FROM catalog_products WHERE product_id = 'poisoned'").decode(String.self).collectAll() == ["draft"])
            #expect(try await count("SELECT count(*) FROM catalog_variants WHERE sku = 'POISON-1'", client) == 0)
            // A batch redelivered changes nothing: the parked events stay parked once.
            _ = try await client.withTransaction(logger: logger) { connection in
                try await ProjectionApplier.apply(events, to: WorkerSet.projections, on: connection, logger: logger)
            }
            #expect(try await ParkedEvents.counts(client: client, logger: logger) == ["catalog": 3])
            let again = try await client.query("SELECT error FROM parked_events ORDER BY position LIMIT 1").decode(String.self).collectAll()
            #expect(again.first?.contains("event.unknown_version") == true, "the cause is kept, not relabelled")

            // The code learns v7 (its reader drops the field this version does not have).
            EventUpcasters.teach(type: "ProductPublished", version: 7) { object in object.filter { $0.key == "productId" } }
            let report = try await ParkedEvents.retry(CatalogProjection(), store: store, logger: logger)
            #expect(report.applied == 3 && report.stillParked == 0)
            #expect(try await ParkedEvents.counts(client: client, logger: logger).isEmpty)

            try await withTestDatabase { reference, _ in
                _ = try await reference.withTransaction(logger: logger) { connection in
                    try await ProjectionApplier.apply(events, to: WorkerSet.projections, on: connection, logger: logger)
                }
                #expect(try await readModel(reference) == readModel(client))
            }
            #expect(try await client.query("SELECT status FROM catalog_products WHERE product_id = 'poisoned'").decode(String.self).collectAll() == ["published"])
        }
    }
}
