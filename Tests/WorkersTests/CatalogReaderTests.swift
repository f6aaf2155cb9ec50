import Aggregates
import EventStore
import Foundation
import PostgresNIO
import Projections
import Testing
import TestSupport
import Workers

@Suite("Catalog queries: search, category, currency, sort and cursor pages")
struct CatalogReaderTests {
    /// A catalog of `products` synthetic products, projected.
    func withCatalog(products: Int, _ body: (CatalogReader, PostgresClient) async throws -> Void) async throws {
        try await withTestDatabase { client, _ in
            let logger = TestEnvironment.logger
            let store = PostgresEventStore(client: client, logger: logger)
            var history = SyntheticHistory(seed: 11, start: Date())
            for append in try history.catalog(products: products) {
                let events = append.events.map { NewEvent(type: $0.type, schemaVersion: Int32($0.schemaVersion), data: $0.json) }
                try await store.append(events, to: try StreamName(append.stream), expectedVersion: .any)
            }
            let events = try await readEverything(store)
            _ = try await client.withTransaction(logger: logger) { connection in
                try await ProjectionApplier.apply(events, to: WorkerSet.projections, on: connection, logger: logger)
            }
            try await body(CatalogReader(client: client, logger: logger), client)
        }
    }

    func allPages(_ reader: CatalogReader, _ search: CatalogReader.Search) async throws -> [CatalogReader.Product] {
        var search = search
        var items: [CatalogReader.Product] = []
        for _ in 0..<100 {
            let page = try await reader.products(search)
            #expect(page.items.count <= search.limit)
            items += page.items
            guard let next = page.nextCursor else { return items }
            search.cursor = next
        }
        Issue.record("pagination did not end")
        return items
    }

    @Test("every sort pages through each published product once, in order, with no cursor after the last page")
    func sortsAndPages() async throws {
        try await withCatalog(products: 40) { reader, client in
            let published = try await client.query("SELECT product_id FROM catalog_products WHERE status = 'published'").decode(String.self).collectAll()
            for sort in CatalogReader.Sort.allCases {
                let items = try await allPages(reader, .init(currency: .EUR, sort: sort, limit: 7))
                #expect(items.map(\.productId).sorted() == published.sorted(), "\(sort)")
                let prices = items.map { $0.fromPrice!.amount }
                switch sort {
                case .name: #expect(items.map(\.name) == items.map(\.name).sorted())
                case .price: #expect(prices == prices.sorted())
                case .priceDescending: #expect(prices == prices.sorted(by: >))
                case .newest: break
                }
            }
        }
    }

    @Test("prices come in the requested currency: the lowest variant price is the product's from-price")
    func currency() async throws {
        try await withCatalog(products: 10) { reader, _ in
            let dollars = try await reader.products(.init(currency: .USD, limit: 50)).items
            #expect(!dollars.isEmpty)
            for product in dollars {
                #expect(product.fromPrice?.currency == .USD)
                #expect(product.fromPrice?.amount == product.variants.compactMap(\.price?.amount).min())
            }
            #expect(try await reader.products(.init(currency: .GBP)).items.isEmpty, "nothing is priced in GBP")
        }
    }

    @Test("category prefix and full-text search narrow the list")
    func filters() async throws {
        try await withCatalog(products: 30) { reader, _ in
            let home = try await allPages(reader, .init(category: ["Home"], limit: 5))
            #expect(!home.isEmpty)
            #expect(home.allSatisfy { $0.categoryPath.first == "Home" })
            let all = try await allPages(reader, .init(limit: 100))
            #expect(home.count == all.filter { $0.categoryPath.first == "Home" }.count)
            #expect(try await reader.products(.init(category: ["Kitchen"])).items.isEmpty, "a path prefix, not any element")

            let mugs = try await allPages(reader, .init(text: "mug", limit: 100))
            #expect(!mugs.isEmpty)
            #expect(mugs.allSatisfy { $0.name.hasPrefix("Mug") })
        }
    }

    @Test("a forged cursor, or one from another sort, is refused")
    func badCursor() async throws {
        try await withCatalog(products: 5) { reader, _ in
            let page = try await reader.products(.init(sort: .price, limit: 2))
            let cursor = try #require(page.nextCursor)
            await #expect(throws: CatalogReader.QueryError.invalidCursor) { try await reader.products(.init(sort: .name, cursor: cursor)) }
            await #expect(throws: CatalogReader.QueryError.invalidCursor) { try await reader.products(.init(cursor: "not-a-cursor")) }
        }
    }
}
