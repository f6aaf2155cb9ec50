import Aggregates
import EventStore
import Foundation
import PostgresNIO
@testable import Projections
import Testing
import TestSupport
import Workers

/// Listings filter, count and sort in memory (``CatalogReader``'s index of the catalog view):
/// what they show must be the tables as they stand when the listing is asked for.
@Suite("Catalog listings' in-memory index: as fresh as the tables")
struct CatalogIndexTests {
    /// A test database, its store, and `project`: appends a history's events and applies the new
    /// ones to every read model.
    func withProjector(
        _ body: (PostgresClient, PostgresEventStore, _ project: ([SyntheticHistory.Append]) async throws -> Void) async throws -> Void
    ) async throws {
        try await withTestDatabase { client, _ in
            let logger = TestEnvironment.logger
            let store = PostgresEventStore(client: client, logger: logger)
            var applied: Int64 = 0
            func project(_ appends: [SyntheticHistory.Append]) async throws {
                for append in appends {
                    let events = append.events.map { NewEvent(type: $0.type, schemaVersion: Int32($0.schemaVersion), data: $0.json) }
                    try await store.append(events, to: try StreamName(append.stream), expectedVersion: .any)
                }
                let events = try await readEverything(store).filter { $0.position > applied }
                _ = try await client.withTransaction(logger: logger) { connection in
                    try await ProjectionApplier.apply(events, to: WorkerSet.projections, on: connection, logger: logger)
                }
                applied = events.last?.position ?? applied
            }
            try await body(client, store, project)
        }
    }

    @Test("a listing sees every change committed before it — orders, stock, ratings — and a rebuilt read model lists alike")
    func listingsFollowTheTables() async throws {
        try await withProjector { client, store, project in
            let logger = TestEnvironment.logger
            var history = SyntheticHistory(seed: 23, start: Date().addingTimeInterval(-3_600))
            try await project(try history.catalog(products: 30))
            let reader = CatalogReader(client: client, logger: logger)
            func listing(_ sort: CatalogReader.Sort, inStockOnly: Bool = false) async throws -> [String] {
                var search = CatalogReader.Search(currency: .EUR, sort: sort, limit: 100)
                search.inStockOnly = inStockOnly
                let page = try await reader.products(search)
                #expect(page.nextCursor == nil)
                return page.items.map(\.productId)
            }
            // Each expected list from the tables, by SQL written out here.
            func expected(_ sortKey: String) async throws -> [String] {
                try await client.query(PostgresQuery(unsafeSQL: """
                    SELECT p.product_id FROM catalog_products p
                      LEFT JOIN rec_products o ON o.product_id = p.product_id LEFT JOIN product_ratings r ON r.product_id = p.product_id
                    WHERE p.status = 'published' AND EXISTS (SELECT 1 FROM catalog_variants v WHERE v.product_id = p.product_id AND v.prices ? 'EUR')
                    ORDER BY \(sortKey) DESC, p.product_id DESC
                    """)).decode(String.self).collectAll()
            }
            func expectedInStock() async throws -> Set<String> {
                Set(try await client.query("""
                    SELECT DISTINCT v.product_id FROM catalog_variants v JOIN catalog_products p ON p.product_id = v.product_id
                    WHERE p.status = 'published' AND v.prices ? 'EUR' AND v.available > 0
                    """).decode(String.self).collectAll())
            }
            let popularity = "coalesce(o.orders, 0)", rating = "coalesce(r.rating_sum * 1000000 / nullif(r.rating_count, 0), 0)"
            let before = try await listing(.popularity)
            #expect(before == (try await expected(popularity)))

            // Orders (with their stock and reviews) projected after the index was read.
            for _ in 0..<60 { try await project(try history.order()) }
            let after = try await listing(.popularity)
            #expect(after == (try await expected(popularity)))
            #expect(after != before, "orders reorder the most ordered")
            #expect(try await listing(.rating) == (try await expected(rating)))
            let ratedProducts = try await client.query("SELECT count(*)::bigint FROM product_ratings WHERE rating_count > 0").decode(Int64.self).collectAll()[0]
            #expect(ratedProducts > 0, "the orders' reviews rated some products")
            let inStockAfter = Set(try await listing(.newest, inStockOnly: true))
            #expect(inStockAfter == (try await expectedInStock()))
            // The pages' details too: ratings and stock as the tables have them now (the first
            // listing's pages showed every product before the orders).
            let shown = try await reader.products(CatalogReader.Search(currency: .EUR, sort: .rating, limit: 100)).items
            let stored = try await client.query("""
                SELECT p.product_id, coalesce(max(r.rating_count), 0)::bigint, coalesce(sum(greatest(v.available, 0)), 0)::bigint
                FROM catalog_products p JOIN catalog_variants v ON v.product_id = p.product_id LEFT JOIN product_ratings r ON r.product_id = p.product_id
                GROUP BY p.product_id
                """).decode((String, Int64, Int64).self).collectAll()
            let truth = Dictionary(uniqueKeysWithValues: stored.map { ($0.0, (ratings: $0.1, available: $0.2)) })
            for item in shown {
                #expect(item.rating.count == truth[item.productId]?.ratings && Int64(item.available) == truth[item.productId]?.available, "\(item.productId)")
            }

            // Text matches are kept per text while no product row changes: new products change them.
            func searched(_ text: String) async throws -> Set<String> {
                let page = try await reader.products(CatalogReader.Search(text: text, currency: .EUR, limit: 100))
                return Set(page.items.map(\.productId))
            }
            func tents() async throws -> Set<String> {
                Set(try await client.query("""
                    SELECT p.product_id FROM catalog_products p WHERE p.status = 'published' AND p.name LIKE 'Tent %'
                      AND EXISTS (SELECT 1 FROM catalog_variants v WHERE v.product_id = p.product_id AND v.prices ? 'EUR')
                    """).decode(String.self).collectAll())
            }
            let tentsBefore = try await searched("tent")
            #expect(tentsBefore == (try await tents()) && !tentsBefore.isEmpty)
            #expect(try await searched("tent") == tentsBefore)
            try await project(try history.catalog(products: 16))
            let tentsAfter = try await searched("tent")
            #expect(tentsAfter == (try await tents()))
            #expect(tentsAfter.count > tentsBefore.count, "the new tents are found")

            // A rebuild puts new tables in place: the index reads them whole.
            let beforeRebuild = try await listing(.popularity)
            _ = try await ProjectionRebuilder(store: store, logger: logger).rebuild(CatalogProjection())
            #expect(try await listing(.popularity) == beforeRebuild)
            #expect(try await searched("tent") == tentsAfter)
            #expect(try await listing(.rating) == (try await expected(rating)))
        }
    }

    @Test("a page's JSON written from kept product parts is byte for byte what the answer's encoder writes of the page")
    func encodedPagesEqualTheEncoder() async throws {
        try await withProjector { client, _, project in
            let logger = TestEnvironment.logger
            var history = SyntheticHistory(seed: 29, start: Date().addingTimeInterval(-3_600))
            try await project(try history.catalog(products: 25) + (try history.translations()) + (try history.exchangeRates()))
            let reader = CatalogReader(client: client, logger: logger)
            let word = try await client.query("SELECT split_part(name, ' ', 1) FROM catalog_products WHERE status = 'published' LIMIT 1").decode(String.self).collectAll()[0]
            var searches: [CatalogReader.Search] = []
            for currency in [Currency.EUR, .USD, .GBP] {
                for language in [nil, LanguagePreference(preferred: ["de"], defaultLocale: "en")] {
                    var search = CatalogReader.Search(currency: currency, limit: 7)
                    search.language = language
                    search.facets = [.category, .price, .inStock, .brand, .attribute("colour")]
                    searches.append(search)
                }
            }
            var misspelt = CatalogReader.Search(text: String(word.lowercased().dropLast()) + "x" + String(word.lowercased().last!), currency: .EUR)
            misspelt.facets = [.category]
            searches.append(misspelt)
            searches.append(CatalogReader.Search(text: word, currency: .EUR, sort: .price, limit: 3))
            // Twice: written afresh, then from the kept parts.
            var seen = (corrections: false, facets: false, cursors: false, translated: false)
            for round in 0..<2 {
                for var search in searches {
                    for _ in 0..<20 {
                        let encoded = try await reader.encodedProducts(search)
                        #expect(encoded.json == Array(try AnswerJSON.encoder.encode(encoded.page)), "round \(round): \(search)")
                        seen.corrections = seen.corrections || encoded.page.corrections != nil
                        seen.facets = seen.facets || encoded.page.facets != nil
                        seen.cursors = seen.cursors || encoded.page.nextCursor != nil
                        seen.translated = seen.translated || encoded.page.items.contains { $0.locale != nil }
                        guard let next = encoded.page.nextCursor else { break }
                        search.cursor = next
                    }
                }
            }
            #expect(seen.corrections && seen.facets && seen.cursors && seen.translated, "every part of a page was written: \(seen)")
        }
    }

    @Test("facets written out directly are byte for byte what the encoder writes, whatever their texts")
    func facetJSONEqualsTheEncoder() throws {
        let texts = ["Home/Kitchen", "Größe", "say \"hi\"", "back\\slash", "tab\there", "line\nbreak", "\u{1}", "日本", "a/b/c", "", "e\u{301}"]
        var random = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let facets = (0..<Int.random(in: 0...4, using: &random)).map { _ in
                let priced = Int.random(in: 0..<4, using: &random) == 0
                return CatalogReader.Facet(name: texts.randomElement(using: &random)!, values: (0..<Int.random(in: 0...5, using: &random)).map { _ in
                    CatalogReader.FacetValue(
                        value: texts.randomElement(using: &random)!, count: Int.random(in: 0...100_000, using: &random),
                        from: priced ? Money(Int64.random(in: 0...5000, using: &random), .EUR) : nil,
                        to: priced && Bool.random(using: &random) ? Money(9000, .EUR) : nil
                    )
                })
            }
            var json: [UInt8] = []
            try FacetJSON.write(facets, into: &json)
            #expect(json == Array(try AnswerJSON.encoder.encode(facets)), "\(facets)")
        }
    }

    @Test("every sort pages in the order of its key and then the id byte by byte, over many ties; a cursor whose product is gone still places the next page")
    func sortsPageByKeyThenID() {
        var random = SystemRandomNumberGenerator()
        let names = ["Classic Shirt", "Classic Shirt B", "Classic Shirt A", "Classic", "Éclair", "Eclair", "e\u{301}clair", "Zebra"]
        var rows: [CatalogSnapshot.ProductRow] = []
        var used: Set<String> = []
        while rows.count < 240 {
            let id = "p" + String(Int.random(in: 0..<5_000, using: &random))
            guard used.insert(id).inserted else { continue }
            let prices = (0..<Int.random(in: 1...3, using: &random)).map { _ in Int64([500, 900, 1200][Int.random(in: 0..<3, using: &random)]) }
            rows.append(.init(
                id: id, name: names.randomElement(using: &random)!, categoryPath: ["All"], brand: nil, position: Int64.random(in: 0..<4, using: &random),
                published: true, ratingSum: Int64.random(in: 0..<3, using: &random) * 5, ratingCount: 2, orders: Int64.random(in: 0..<3, using: &random),
                ratingChange: 0, catalogChange: 1, variants: prices.map { .init(available: 1, attributesJSON: "{}", prices: [$0]) }
            ))
        }
        // Some put in together (their id order sorted at once), the rest one by one (placed one by one).
        var snapshot = CatalogSnapshot(currencies: ["EUR"], seen: .init(), generation: 1)
        snapshot.put(contentsOf: Array(rows.prefix(150)))
        for row in rows.dropFirst(150) { snapshot.put(row) }
        func precedes(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
        for sort in CatalogReader.Sort.allCases {
            // The key written out from the rows: the name, or a number.
            func key(_ row: CatalogSnapshot.ProductRow) -> (number: Int64, name: String) {
                switch sort {
                case .relevance: (0, "")
                case .name: (0, row.name)
                case .price, .priceDescending: (row.variants.compactMap { $0.prices[0] }.min()!, "")
                case .newest: (row.position, "")
                case .rating: (row.ratingSum * 1_000_000 / row.ratingCount, "")
                case .popularity: (row.orders, "")
                }
            }
            let ascending = sort == .name || sort == .price
            func before(_ a: (key: (number: Int64, name: String), id: String), _ b: (key: (number: Int64, name: String), id: String)) -> Bool {
                let first: Bool
                if a.key.number != b.key.number { first = a.key.number < b.key.number }
                else if !a.key.name.utf8.elementsEqual(b.key.name.utf8) { first = precedes(a.key.name, b.key.name) }
                else { first = precedes(a.id, b.id) }
                return ascending ? first : !first
            }
            let expected = rows.map { (key: key($0), id: $0.id) }.sorted(by: before).map(\.id)
            var listed: [String] = []
            var cursor: (key: String, id: String)?
            repeat {
                let result = CatalogListing(snapshot: snapshot, search: .init(currency: .EUR, limit: 7), sort: sort, matches: nil).run(limit: 7, after: cursor)
                listed += result.page.map(\.id)
                cursor = result.more ? result.page.last.map { (key: $0.key, id: $0.id) } : nil
            } while cursor != nil && listed.count <= rows.count
            #expect(listed == expected, "\(sort)")
            // A cursor naming a product that is not there (its id between two others): the page
            // starts at the first product after its key and id.
            let after = rows[17]
            let gone = (key: key(after), id: after.id + "!")
            let cursorKey = sort == .name ? after.name : String(key(after).number)
            let page = CatalogListing(snapshot: snapshot, search: .init(currency: .EUR, limit: 5), sort: sort, matches: nil).run(limit: 5, after: (key: cursorKey, id: gone.id)).page
            let following = rows.map { (key: key($0), id: $0.id) }.filter { before(gone, $0) }.sorted(by: before).prefix(5).map(\.id)
            #expect(page.map(\.id) == following, "\(sort) after a gone product")
        }
    }

    @Test("each attribute set's members are exactly the variants that have it, through changed attributes, added and dropped variants and the room's compaction")
    func setMembersFollowVariants() {
        var random = SystemRandomNumberGenerator()
        let sizes = ["S", "M", "L"]
        var current: [String: [String]] = [:]
        var snapshot = CatalogSnapshot(currencies: ["EUR"], seen: .init(), generation: 1)
        func put(_ id: String, _ variantSizes: [String]) -> CatalogSnapshot.ProductRow {
            current[id] = variantSizes
            return .init(id: id, name: id, categoryPath: [], brand: nil, position: 0, published: true, ratingSum: 0, ratingCount: 0, orders: 0,
                         ratingChange: 0, catalogChange: 1,
                         variants: variantSizes.map { .init(available: 1, attributesJSON: "{\"size\": \"\($0)\"}", prices: [100]) })
        }
        func check(_ step: String) {
            for (number, set) in snapshot.attributeSets.enumerated() {
                let size = snapshot.attributeValues[set.values[0]]
                let members = snapshot.setMembers[number]
                #expect(members.allSatisfy { snapshot.variants[Int($0) * snapshot.stride] == Int64(number) }, "\(step): \(size)")
                let listed = members.map { snapshot.ids[Int(snapshot.variantProducts[Int($0)])] }.sorted()
                let expected = current.flatMap { id, sizes in sizes.filter { $0 == size }.map { _ in id } }.sorted()
                #expect(listed == expected, "\(step): \(size)")
            }
        }
        let ids = (0..<17_000).map { "p\($0)" }
        snapshot.put(contentsOf: ids.map { put($0, [sizes.randomElement(using: &random)!]) })
        check("first read")
        snapshot.put(contentsOf: ids.map { put($0, [sizes.randomElement(using: &random)!, sizes.randomElement(using: &random)!]) })
        check("a variant added to each")
        let before = snapshot.variants.count
        snapshot.put(contentsOf: ids.map { put($0, [sizes.randomElement(using: &random)!]) })
        #expect(snapshot.variants.count < before, "the unused room was given back")
        check("a variant dropped from each: the room compacted")
        snapshot.put(contentsOf: ids.shuffled(using: &random).prefix(300).map { put($0, [sizes.randomElement(using: &random)!]) })
        check("sizes changed in place")
        snapshot.remove("p7")
        current["p7"] = []
        check("a product removed")
    }

    @Test("names whose first bytes differ order as those bytes do, byte for byte as whole names")
    func namePrefixesOrderAsNames() {
        let pieces = ["", "a", "ab", "Ab", "abc", "Classic ", "Classic Shirt 1", "Classic Shirt 12", "é", "e\u{301}", "Ωmega", "zz", "~", "日本"]
        var random = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let a = (0..<Int.random(in: 1...3, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            let b = (0..<Int.random(in: 1...3, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            let (pa, pb) = (ListingOrder.namePrefix(a), ListingOrder.namePrefix(b))
            if pa < pb { #expect(a.utf8.lexicographicallyPrecedes(b.utf8), "\(a) before \(b)") }
            if pa > pb { #expect(b.utf8.lexicographicallyPrecedes(a.utf8), "\(b) before \(a)") }
        }
    }

    /// A snapshot of `products` published products p0, p1, … with one priced variant each.
    private static func snapshot(products: Int) -> CatalogSnapshot {
        var snapshot = CatalogSnapshot(currencies: ["EUR"], seen: .init(), generation: 1)
        for number in 0..<products {
            snapshot.put(.init(id: "p\(number)", name: "P \(number)", categoryPath: [], brand: nil, position: Int64(number), published: true,
                               ratingSum: 0, ratingCount: 0, orders: 0, ratingChange: 0, catalogChange: 1,
                               variants: [.init(available: 1, attributesJSON: "{}", prices: [100])]))
        }
        return snapshot
    }

    @Test("kept text matches: served while no product row changes; a flood of texts searched once leaves the repeated ones kept")
    func textMatchesKeepRepeatedTexts() async throws {
        let snapshot = Self.snapshot(products: 10)
        let matches = TextMatches(capacity: 20)
        let log = LockedBox<[String]>([])
        var reads: [String] {
            get { log.value }
            set { log.withLock { $0 = newValue } }
        }
        func search(_ text: String, in snapshot: CatalogSnapshot) async throws -> [String] {
            try await matches.matches(text, ranked: false, snapshot: snapshot) { text, _ in
                log.withLock { $0.append(text) }
                return ["p1": 0, "p2": 0, "p3": 0, "unknown": 0]
            }.map { snapshot.ids[Int($0.ordinal)] }
        }
        #expect(try await search("tent", in: snapshot) == ["p1", "p2", "p3"], "in the snapshot's order, products it lacks left out")
        #expect(try await search("tent", in: snapshot) == ["p1", "p2", "p3"])
        #expect(reads == ["tent"], "the second search is served from the kept list")
        // Texts searched once overflow the room (3 matches each) again and again; "tent", searched
        // now and then meanwhile, stays kept throughout.
        reads.removeAll()
        for number in 0..<24 {
            _ = try await search("once \(number)", in: snapshot)
            if number % 4 == 3 { _ = try await search("tent", in: snapshot) }
        }
        #expect(!reads.contains("tent"), "the repeated text outlived the flood")
        #expect(reads.count == 24)
        reads.removeAll()
        // A product row changed: the kept list no longer serves.
        var changed = snapshot
        changed.seen.products = 7
        _ = try await search("tent", in: changed)
        #expect(reads == ["tent"])
    }

    @Test("concurrent first searches of one text share one read of its matches")
    func concurrentFirstSearchesShareOneRead() async throws {
        let snapshot = Self.snapshot(products: 3)
        let matches = TextMatches()
        let reads = LockedBox(0)
        let started = LockedBox(0)
        // The read waits until every search has begun, so that they arrive while it is under way.
        let (gate, open) = AsyncStream<Void>.makeStream()
        let found = try await withThrowingTaskGroup(of: [Int32].self) { group in
            for _ in 0..<20 {
                group.addTask {
                    started.withLock { $0 += 1 }
                    return try await matches.matches("tent", ranked: false, snapshot: snapshot) { _, _ in
                        reads.withLock { $0 += 1 }
                        for await _ in gate { break }
                        return ["p0": 0, "p2": 0]
                    }.map(\.ordinal)
                }
            }
            while started.value < 20 { await Task.yield() }
            for _ in 0..<100 { await Task.yield() }
            open.yield()
            open.finish()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(found.count == 20 && found.allSatisfy { $0 == [0, 2] })
        #expect(reads.value == 1)
    }
}
