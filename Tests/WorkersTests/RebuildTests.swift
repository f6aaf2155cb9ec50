import EventStore
import Foundation
import PostgresNIO
import Projections
import Testing
import TestSupport
import Workers

@Suite("Rebuilding read models from the event store")
struct RebuildTests {
    @Test("a damaged read model is replaced by one rebuilt from the store, equal to a fresh application")
    func rebuildReplacesTheTables() async throws {
        try await withTestDatabase { client, _ in
            let logger = TestEnvironment.logger
            let store = PostgresEventStore(client: client, logger: logger)
            try await appendCatalogAndOrders(store, products: 5)
            // A read model gone wrong: a stray row, a lost row, a wrong stock figure.
            try await client.query("INSERT INTO catalog_products VALUES ('stray', 'x', 'x', '{}', 'published', ''::tsvector, 0, now())")
            try await client.query("INSERT INTO order_history (order_id, customer_kind, customer_id, status, lines, totals, shipping_address, placed_at, updated_at, position) VALUES ('ghost', 'customer', 'c', 'paid', '[]', '{}', '{}', now(), now(), 0)")
            try await client.query("INSERT INTO catalog_variants (sku, on_hand, available) VALUES ('SKU-0', 999, 999)")

            let rebuilder = ProjectionRebuilder(store: store, logger: logger, batchSize: 7)
            var total = 0
            for projection in WorkerSet.projections {
                total += try await rebuilder.rebuild(projection).events
            }
            #expect(total == 5 * (4 + 2 + 2), "product (4) and inventory (2) events for the catalog, order (2) events for the history")

            let events = try await readEverything(store)
            try await withTestDatabase { reference, _ in
                _ = try await reference.withTransaction(logger: logger) { connection in
                    try await ProjectionApplier.apply(events, to: WorkerSet.projections, on: connection, logger: logger)
                }
                #expect(try await readModel(reference) == readModel(client))
            }
            let leftovers = try await count("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'rebuild_%'", client)
            #expect(leftovers == 0)
        }
    }
}
