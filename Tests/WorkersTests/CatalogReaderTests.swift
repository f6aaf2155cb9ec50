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
            let ratings = try await rate(published, client)
            for sort in CatalogReader.Sort.allCases {
                let items = try await allPages(reader, .init(currency: .EUR, sort: sort, limit: 7))
                #expect(items.map(\.productId).sorted() == published.sorted(), "\(sort)")
                let prices = items.map { $0.fromPrice!.amount }
                switch sort {
                case .name: #expect(items.map(\.name) == items.map(\.name).sorted())
                case .price: #expect(prices == prices.sorted())
                case .priceDescending: #expect(prices == prices.sorted(by: >))
                case .newest: break
                case .relevance, .popularity:
                    // No text and no orders: every key is 0, so the id decides, last first.
                    #expect(items.map(\.productId) == items.map(\.productId).sorted(by: >), "\(sort)")
                case .rating:
                    // Exact averages, compared crosswise; unrated products (0) come last.
                    let keys = items.map { ratings[$0.productId] ?? (0, 0) }
                    for (a, b) in zip(keys, keys.dropFirst()) {
                        #expect(a.count == 0 ? b.count == 0 : (b.count == 0 || a.sum * b.count >= b.sum * a.count), "\(a) before \(b)")
                    }
                    for item in items {
                        #expect(item.rating.count == (ratings[item.productId]?.count ?? 0) && item.rating.ratingSum == (ratings[item.productId]?.sum ?? 0))
                    }
                }
            }
        }
    }

    /// Gives two thirds of the products a rating summary of random reviews; returns each one's sum and count.
    func rate(_ products: [String], _ client: PostgresClient) async throws -> [String: (sum: Int64, count: Int64)] {
        var ratings: [String: (sum: Int64, count: Int64)] = [:]
        for (index, product) in products.enumerated() where index % 3 != 0 {
            var stars = [Int64](repeating: 0, count: 5)
            for _ in 0..<Int.random(in: 1...9) { stars[Int.random(in: 0..<5)] += 1 }
            let sum = stars.enumerated().reduce(Int64(0)) { $0 + Int64($1.offset + 1) * $1.element }
            let count = stars.reduce(0, +)
            ratings[product] = (sum, count)
            try await client.query("""
                INSERT INTO product_ratings VALUES (\(product), \(sum), \(count), \(stars[0]), \(stars[1]), \(stars[2]), \(stars[3]), \(stars[4]))
                """)
        }
        return ratings
    }

    @Test("a minimum rating keeps exactly the products whose average, as shown to one decimal, reaches it")
    func minimumRating() async throws {
        try await withCatalog(products: 40) { reader, client in
            let published = try await client.query("SELECT product_id FROM catalog_products WHERE status = 'published'").decode(String.self).collectAll()
            let ratings = try await rate(published, client)
            for tenths in [0, 10, 25, 35, 40, 45, 50] {
                var search = CatalogReader.Search(currency: .EUR, limit: 100)
                search.minimumRatingTenths = tenths
                let listed = try await allPages(reader, search).map(\.productId).sorted()
                // The shown average: Foundation's decimal arithmetic, rounded to one place, half up.
                let expected = ratings.filter { _, rating in
                    var average = Decimal(rating.sum) / Decimal(rating.count)
                    var shown = Decimal()
                    NSDecimalRound(&shown, &average, 1, .plain)
                    return shown >= Decimal(tenths) / 10
                }.keys.filter { published.contains($0) }.sorted()
                #expect(listed == expected, "minimum \(tenths) tenths")
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
