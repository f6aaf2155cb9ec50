import Aggregates
import Application
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
            // A history that takes every path: price changes, unpublishing, cancellations, returns, refunds.
            var history = SyntheticHistory(seed: 7, start: Date())
            var appends = try history.catalog(products: 6)
            // Its categories as a tree, renamed and moved after the products went in.
            appends += try history.categoryTree()
            appends += try history.translations()
            // Prices derived by exchange rates, with a rate changed and one removed after the products went in.
            let rates = try history.exchangeRates()
            appends.insert(rates[0], at: 0)
            appends.append(rates[1])
            for index in 0..<60 {
                // Spread over days (business time), with abandoned and empty carts among the orders.
                history.advance(to: Date().addingTimeInterval(Double(index - 60) * 20_000))
                appends += try history.order()
                if index % 4 == 0 { appends += try history.abandonedCart(withLines: index % 8 == 0) }
                // Browsing sessions, some by the same shoppers, for the recommendations' co-views.
                if index % 2 == 0 { appends.append(try history.browsing()) }
                // Searches, for search analytics.
                if index % 3 == 0 { appends.append(try history.searches()) }
                // Reviews from shoppers with no order here, and a mailing's codes, for reviews and promotions.
                if index % 10 == 0 { appends.append(try history.unpromptedReview()) }
                if index == 30 { appends += try history.couponCampaign(codes: 25) }
            }
            for append in appends {
                try await store.append([try append.streamAppend()])
            }
            // A read model gone wrong: a stray row, a lost row, a wrong stock figure.
            try await client.query("INSERT INTO catalog_products VALUES ('stray', 'x', 'x', '{}', 'published', ''::tsvector, 0, now())")
            try await client.query("INSERT INTO order_history (order_id, customer_kind, customer_id, status, lines, totals, shipping_address, placed_at, updated_at, position) VALUES ('ghost', 'customer', 'c', 'paid', '[]', '{}', '{}', now(), now(), 0)")
            try await client.query("INSERT INTO catalog_variants (sku, on_hand, available) VALUES ('SKU-0', 999, 999)")

            let schemaBefore = try await indexesAndConstraints(client)
            #expect(schemaBefore.contains("product_reviews body statistics 0"), "the migrations leave a review's text out of the statistics")
            // Small pages and several flushes: rows folded in one flush meet those of the last (and CLUSTER runs).
            let rebuilder = ProjectionRebuilder(store: store, logger: logger, batchSize: 7, flushEvery: 40)
            var total = 0
            for projection in WorkerSet.projections {
                total += try await rebuilder.rebuild(projection).events
            }
            var expectedTotal = 0
            for projection in WorkerSet.projections {
                let categories = projection.categories.map { "'\($0)'" }.joined(separator: ", ")
                let ignored = projection.ignoredEventTypes.map { "'\($0)'" }.joined(separator: ", ")
                expectedTotal += try await count(
                    "SELECT count(*) FROM events WHERE stream_category IN (\(categories))" + (ignored.isEmpty ? "" : " AND event_type NOT IN (\(ignored))"), client
                )
            }
            #expect(expectedTotal > 0)
            #expect(total == expectedTotal, "each event once per projection that reads its category, less the types it ignores")

            // The reference: the projector's way, a few events per transaction onto rows read back.
            let events = try await readEverything(store)
            try await withTestDatabase { reference, _ in
                for start in stride(from: 0, to: events.count, by: 5) {
                    let batch = Array(events[start..<min(events.count, start + 5)])
                    _ = try await reference.withTransaction(logger: logger) { connection in
                        try await ProjectionApplier.apply(batch, to: WorkerSet.projections, on: connection, logger: logger)
                    }
                }
                try await expectSameReadModel(reference, client)
                #expect(try await indexesAndConstraints(client) == schemaBefore)

                // Once more in one flush, as a long history is rebuilt: analytics then writes its
                // tables side by side and builds their indexes after their rows.
                for projection in WorkerSet.projections {
                    _ = try await ProjectionRebuilder(store: store, logger: logger, batchSize: 50).rebuild(projection)
                }
                try await expectSameReadModel(reference, client)
                #expect(try await indexesAndConstraints(client) == schemaBefore)
                let analyzed = try await count(
                    "SELECT count(*) FROM pg_stat_user_tables WHERE schemaname = 'public' AND relname LIKE 'analytics%' AND last_analyze IS NOT NULL", client
                )
                #expect(analyzed == AnalyticsProjection().tables.count, "every rebuilt table has statistics before it serves")

                // After the rebuild, Kafka delivers everything again (a consumer reset) along
                // with new events: the rebuilt model skips what it holds and applies the new
                // ones once — as the reference, which gets only the new ones.
                for _ in 0..<5 {
                    for append in try history.order() { try await store.append([try append.streamAppend()]) }
                }
                let all = try await readEverything(store)
                let new = Array(all.dropFirst(events.count))
                #expect(!new.isEmpty)
                for (database, delivered) in [(client, all), (reference, new)] {
                    for start in stride(from: 0, to: delivered.count, by: 50) {
                        let batch = Array(delivered[start..<min(delivered.count, start + 50)])
                        _ = try await database.withTransaction(logger: logger) { connection in
                            try await ProjectionApplier.apply(batch, to: WorkerSet.projections, on: connection, logger: logger)
                        }
                    }
                }
                try await expectSameReadModel(reference, client)
                #expect(try await count("SELECT count(*) FROM projection_watermarks", client) == WorkerSet.projections.count)
            }
            let leftovers = try await count("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'rebuild_%'", client)
            #expect(leftovers == 0)
        }
    }
}

/// The two databases' read models are equal, row for row; the first differing rows are shown.
private func expectSameReadModel(_ expected: PostgresClient, _ actual: PostgresClient, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let (want, got) = (try await readModel(expected), try await readModel(actual))
    #expect(want == got, "rows only in one: \(Set(want).symmetricDifference(got).sorted().prefix(6))", sourceLocation: sourceLocation)
}

/// Every index, constraint and column statistics target set of the public schema, as comparable
/// text: a rebuild brings back exactly the ones the migrations made.
private func indexesAndConstraints(_ client: PostgresClient) async throws -> [String] {
    try await client.query(
        """
        SELECT tablename || ' ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
        UNION ALL
        SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace
        UNION ALL
        SELECT a.attrelid::regclass::text || ' ' || a.attname || ' statistics ' || a.attstattarget
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND a.attstattarget >= 0
        ORDER BY 1
        """
    ).decode(String.self).collectAll()
}
