import Aggregates
import EventStore
import Foundation
import PostgresNIO
import Projections
import Testing
import TestSupport
import Workers

/// Filters and facets against a count by brute force over the same products, and typo-tolerant
/// search and suggestions over products made from events.
extension CatalogReaderTests {
    /// Gives every variant a size (S, M or L) and a quarter of them no stock, so that facets have
    /// more than one attribute and stock to count (saying it changed, as the projection does).
    func varySizesAndStock(_ client: PostgresClient) async throws {
        try await client.query("""
            UPDATE catalog_variants SET
                attributes = attributes || jsonb_build_object('size', (ARRAY['S', 'M', 'L'])[1 + abs(hashtext(sku)) % 3]),
                available = CASE WHEN abs(hashtext(sku || 'stock')) % 4 = 0 THEN 0 ELSE available END,
                changed = nextval('catalog_changes')
            """)
    }

    @Test("listings and facet counts equal a count by brute force, for random filter combinations")
    func facetsMatchBruteForce() async throws {
        try await withCatalog(products: 60) { reader, client in
            try await varySizesAndStock(client)
            let all = try await allPages(reader, .init(currency: .EUR, limit: 100))
            #expect(all.count > 40)
            #expect(Set(all.compactMap(\.brand)) == ["Northwind", "Fjell", "Oak & Ash"] && all.contains { $0.brand == nil }, "brands to filter and count, and products without one")
            let categories = [["Apparel"], ["Apparel", "Shirts"], ["Home"], ["Outdoor"], ["Books", "Fiction"]]
            let bounds: [Int64] = [0, 1000, 2500, 5000, 10000, 25000, 50000, 100000]
            var random = SystemRandomNumberGenerator()
            for round in 0..<25 {
                var search = CatalogReader.Search(currency: .EUR, limit: 100)
                search.categories = Array(categories.shuffled(using: &random).prefix(Int.random(in: 0...2, using: &random)))
                if Int.random(in: 0..<3, using: &random) == 0 { search.brands = Array(["Northwind", "Fjell", "Oak & Ash"].shuffled(using: &random).prefix(Int.random(in: 1...2, using: &random))) }
                if Bool.random(using: &random) { search.attributes["size"] = Array(["S", "M", "L"].shuffled(using: &random).prefix(Int.random(in: 1...2, using: &random))) }
                if Bool.random(using: &random) { search.attributes["colour"] = Array(["navy", "sand", "olive", "black"].shuffled(using: &random).prefix(Int.random(in: 1...2, using: &random))) }
                if Int.random(in: 0..<3, using: &random) == 0 {
                    let low = Int64.random(in: 990...6000, using: &random)
                    search.priceRanges = [CatalogReader.PriceRange(from: low, to: low + Int64.random(in: 500...4000, using: &random))]
                    if Bool.random(using: &random) { search.priceRanges.append(CatalogReader.PriceRange(from: 9000, to: nil)) }
                }
                search.inStockOnly = Int.random(in: 0..<3, using: &random) == 0
                if round < 3 {
                    // Categories and nothing else: the categories not chosen are counted from
                    // the index's counts per category rather than product by product; with one
                    // size and colour, from the variants of those attributes.
                    search = CatalogReader.Search(currency: .EUR, limit: 100)
                    search.categories = round == 1 ? [["Home"], ["Books", "Fiction"]] : [["Apparel"]]
                    if round == 2 { search.attributes = ["size": ["M"], "colour": ["navy"]] }
                }
                search.facets = [.category, .attribute("size"), .attribute("colour"), .price, .inStock, .brand]

                let listed = try await allPages(reader, search)
                let expected = Self.matching(all, search)
                #expect(Set(listed.map(\.productId)) == Set(expected.map(\.productId)), "round \(round): \(search)")

                let facets = try #require(try await reader.products(search).facets)
                #expect(facets.map(\.name) == ["category", "size", "colour", "price", "inStock", "brand"])
                func counts(_ name: String) -> [String: Int] {
                    Dictionary(uniqueKeysWithValues: (facets.first { $0.name == name }?.values ?? []).map { ($0.value, $0.count) })
                }
                // Category: every level of the paths, with every filter but the category kept.
                var withoutCategory = search
                withoutCategory.categories = []
                var categoryCounts: [String: Int] = [:]
                for product in Self.matching(all, withoutCategory) {
                    for depth in 1...product.categoryPath.count { categoryCounts[product.categoryPath.prefix(depth).joined(separator: "/"), default: 0] += 1 }
                }
                #expect(counts("category") == categoryCounts, "round \(round)")
                var withoutBrand = search
                withoutBrand.brands = []
                var brandCounts: [String: Int] = [:]
                for product in Self.matching(all, withoutBrand) { if let brand = product.brand { brandCounts[brand, default: 0] += 1 } }
                #expect(counts("brand") == brandCounts, "round \(round)")
                for attribute in ["size", "colour"] {
                    var without = search
                    without.attributes[attribute] = nil
                    var expectedCounts: [String: Int] = [:]
                    for product in all where Self.productMatches(product, without) {
                        let values = Set(product.variants.filter { Self.variantMatches($0, without) }.compactMap { $0.attributes[attribute] })
                        for value in values { expectedCounts[value, default: 0] += 1 }
                    }
                    #expect(counts(attribute) == expectedCounts, "round \(round): \(attribute)")
                }
                var withoutPrice = search
                withoutPrice.priceRanges = []
                var priceCounts: [String: Int] = [:]
                for (index, low) in bounds.enumerated() {
                    let high = index + 1 < bounds.count ? bounds[index + 1] : nil
                    let count = all.filter { product in
                        Self.productMatches(product, withoutPrice) && product.variants.contains { variant in
                            guard Self.variantMatches(variant, withoutPrice), let price = variant.price?.amount else { return false }
                            return price >= low && price < (high ?? .max)
                        }
                    }.count
                    if count > 0 { priceCounts["\(low)-\(high.map(String.init) ?? "")"] = count }
                }
                #expect(counts("price") == priceCounts, "round \(round)")
                var withoutStock = search
                withoutStock.inStockOnly = true
                let inStock = Self.matching(all, withoutStock).count
                #expect(counts("inStock") == (inStock > 0 ? ["true": inStock] : [:]), "round \(round)")

                // Choosing an option lists exactly its count.
                if let option = facets.first(where: { $0.name == "size" })?.values.first {
                    var chosen = search
                    chosen.attributes["size"] = [option.value]
                    chosen.facets = []
                    #expect(try await allPages(reader, chosen).count == option.count)
                }
            }
        }
    }

    /// The same rules as the listing, written out over the unfiltered listing's products.
    static func matching(_ products: [CatalogReader.Product], _ search: CatalogReader.Search) -> [CatalogReader.Product] {
        products.filter { product in productMatches(product, search) && product.variants.contains { variantMatches($0, search) } }
    }

    static func productMatches(_ product: CatalogReader.Product, _ search: CatalogReader.Search) -> Bool {
        (search.categories.isEmpty || search.categories.contains { Array(product.categoryPath.prefix($0.count)) == $0 })
            && (search.brands.isEmpty || product.brand.map(search.brands.contains) == true)
    }

    static func variantMatches(_ variant: CatalogReader.Variant, _ search: CatalogReader.Search) -> Bool {
        guard let price = variant.price?.amount else { return false }
        for (name, options) in search.attributes where !options.contains(variant.attributes[name] ?? "\u{1}") { return false }
        if !search.priceRanges.isEmpty, !search.priceRanges.contains(where: { price >= ($0.from ?? 0) && price < ($0.to ?? .max) }) { return false }
        return !search.inStockOnly || variant.available > 0
    }

    /// Products made from events, with names to misspell and orders counted for popularity.
    func withNamedProducts(_ body: (CatalogReader, PostgresClient) async throws -> Void) async throws {
        try await withTestDatabase { client, _ in
            let logger = TestEnvironment.logger
            let store = PostgresEventStore(client: client, logger: logger)
            let products: [(id: String, name: String, category: [String], description: String)] = [
                ("tee", "Classic T-shirt", ["Apparel", "Shirts"], "Organic cotton"),
                ("teapot", "Teapot", ["Home", "Kitchen"], "Stoneware, holds a litre"),
                ("towel", "Tea towel", ["Home", "Kitchen"], "Linen"),
                ("tent", "Trail tent", ["Outdoor"], "Sleeps two; a tee-shirt fits in its pocket"),
                ("sweater", "Shetland sweater", ["Apparel", "Knitwear"], "Wool"),
            ]
            for product in products {
                let id = try ProductID(product.id)
                let sku = try SKU(product.id.uppercased() + "-1")
                func raw(_ type: String, _ json: String) -> NewEvent { NewEvent(type: type, schemaVersion: 1, data: json) }
                try await store.append([
                    NewEvent(type: "ProductCreated", schemaVersion: 2, data: #"{"productId":"\#(id)","name":\#(EventCodec.encodeJSON(product.name)),"description":\#(EventCodec.encodeJSON(product.description)),"categoryPath":\#(EventCodec.encodeJSON(product.category))}"#),
                    raw("ProductVariantAdded", #"{"productId":"\#(id)","sku":"\#(sku)","attributes":{"colour":"navy"}}"#),
                    raw("ProductPriceSet", #"{"productId":"\#(id)","sku":"\#(sku)","price":{"amount":2500,"currency":"EUR"}}"#),
                    raw("ProductPublished", #"{"productId":"\#(id)"}"#),
                ], to: try StreamName("product-\(product.id)"), expectedVersion: .noStream)
            }
            let events = try await readEverything(store)
            _ = try await client.withTransaction(logger: logger) { connection in
                try await ProjectionApplier.apply(events, to: WorkerSet.projections, on: connection, logger: logger)
            }
            try await body(CatalogReader(client: client, logger: logger), client)
        }
    }

    @Test("misspelt words find what was meant; the name counts more than the description")
    func typoTolerance() async throws {
        try await withNamedProducts { reader, _ in
            func search(_ text: String) async throws -> CatalogReader.Page {
                var search = CatalogReader.Search(text: text, limit: 10)
                search.fresh = true
                return try await reader.products(search)
            }
            let shirts = try await search("t-shrit")
            #expect(shirts.items.first?.productId == "tee", "the T-shirt first: its name has the words")
            #expect(shirts.corrections == ["shrit": ["shirt"]])
            #expect(try await search("shetlnad sweatre").items.map(\.productId) == ["sweater"])
            #expect(try await search("teapto").items.map(\.productId) == ["teapot"])
            // "tea" is a word of the catalog: searched as itself, and as a prefix (teapot).
            #expect(Set(try await search("tea").items.map(\.productId)) == ["teapot", "towel"])
            #expect(try await search("tea").corrections == nil)
            // Too short to correct, and nothing close: nothing found.
            #expect(try await search("xq").items.isEmpty)
            #expect(try await search("zzzzzz").items.isEmpty)
            // "tent" is in a name and "tee" only in a description: the tent's own name wins for "trail".
            let trail = try await search("trail tee")
            #expect(trail.items.map(\.productId) == ["tent"])
        }
    }

    @Test("suggestions: products and categories with a word beginning with the text, the most ordered first")
    func suggestions() async throws {
        try await withNamedProducts { reader, client in
            try await client.query("INSERT INTO rec_products (product_id, orders) VALUES ('towel', 7), ('teapot', 3)")
            let tea = try await reader.suggestions(prefix: "Te", limit: 10, fresh: true)
            // Towel (7 orders), Teapot (3), then the unordered by name: Classic T-shirt has no
            // word beginning "te"; Trail tent does.
            #expect(tea.products.map(\.productId) == ["towel", "teapot", "tent"])
            #expect(tea.products.map(\.orders) == [7, 3, 0])
            #expect(try await reader.suggestions(prefix: "kit", limit: 10, fresh: true).categories.map(\.path) == ["Home/Kitchen"])
            let apparel = try await reader.suggestions(prefix: "a", limit: 10, fresh: true).categories
            #expect(apparel.map(\.path) == ["Apparel"])
            #expect(apparel.first?.products == 2)
            #expect(try await reader.suggestions(prefix: "%", limit: 10, fresh: true).products.isEmpty, "LIKE's wildcard is a character")
            #expect(try await reader.suggestions(prefix: "t", limit: 2, fresh: true).products.count == 2)
        }
    }
}
