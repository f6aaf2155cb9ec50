import Aggregates
import Foundation
import Logging
import PostgresNIO

/// Ranks the recommendation lists from the read model's counts (``RecommendationScoring``) and
/// prices them like the catalog. Every list holds only products a shopper can buy now —
/// published, in stock, priced in the requested currency — and tops itself up from the next
/// source when short, so it is never empty while the catalog is not:
/// - also-bought, also-viewed → similar → trending in the product's category → trending;
/// - similar → trending in the product's category → trending;
/// - for-you, buy-again → trending in the customer's categories → trending.
/// Each item says which source it came from (`reason`).
public struct RecommendationsReader: Sendable {
    public enum ProductList: String, Sendable, CaseIterable {
        case alsoBought = "also-bought"
        case alsoViewed = "also-viewed"
        case similar
    }

    public enum CustomerList: String, Sendable, CaseIterable {
        case forYou = "for-you"
        case buyAgain = "buy-again"
    }

    public struct Item: Sendable, Codable, Equatable {
        public let product: CatalogReader.Product
        /// The score in the list's own source (its scale differs between sources).
        public let score: Double
        /// The source: `also-bought`, `also-viewed`, `similar`, `for-you`, `buy-again`,
        /// `trending-in-category` or `trending`.
        public let reason: String
    }

    public struct List: Sendable, Codable, Equatable {
        public let kind: String
        public let items: [Item]
    }

    public static let defaultLimit = 10
    public static let maximumLimit = 50

    let client: PostgresClient
    let logger: Logger
    let catalog: CatalogReader
    let trendHalfLife: TimeInterval

    public init(client: PostgresClient, logger: Logger, trendHalfLife: TimeInterval = RecommendationsProjection.defaultTrendHalfLife) {
        self.client = client
        self.logger = logger
        catalog = CatalogReader(client: client, logger: logger)
        self.trendHalfLife = trendHalfLife
    }

    /// A product's list; nil when the product is not in the catalog, or not published unless
    /// `includingUnpublished` (an admin's preview).
    public func list(
        _ kind: ProductList, for product: String, limit: Int, currency: Currency, now: Date = Date(), includingUnpublished: Bool = false
    ) async throws -> List? {
        let found = try await client.query("SELECT category_path, status FROM catalog_products WHERE product_id = \(product)", logger: logger)
            .decode(([String], String).self).collectAll().first
        guard let (path, status) = found, status == "published" || includingUnpublished else { return nil }
        var picked = Picked(excluding: [product], limit: limit)
        switch kind {
        case .alsoBought:
            try await picked.add(pairs(of: product, table: "rec_co_purchases", count: "orders", total: "orders"), reason: kind.rawValue, catalog, currency)
        case .alsoViewed:
            try await picked.add(pairs(of: product, table: "rec_co_views", count: "sessions", total: "view_sessions"), reason: kind.rawValue, catalog, currency)
        case .similar:
            break
        }
        if !picked.isFull {
            try await picked.add(similar(to: product, path: path, currency: currency), reason: ProductList.similar.rawValue, catalog, currency)
        }
        try await topUp(&picked, categories: path.isEmpty ? [] : [path], currency: currency, now: now)
        return List(kind: kind.rawValue, items: picked.items)
    }

    /// Trending products, optionally within a category path prefix; all available products
    /// of the category are candidates (those with no trend score last, by id).
    public func trending(category: [String], limit: Int, currency: Currency, now: Date = Date()) async throws -> List {
        var picked = Picked(excluding: [], limit: limit)
        try await picked.add(trend(categories: category.isEmpty ? [] : [category], prefix: true, currency: currency, now: now, limit: limit),
                             reason: "trending", catalog, currency)
        return List(kind: "trending", items: picked.items)
    }

    /// A signed-in customer's list.
    public func list(_ kind: CustomerList, for customer: String, limit: Int, currency: Currency, now: Date = Date()) async throws -> List {
        let history = try await history(of: customer)
        let owned = history.filter { $0.orders > 0 }.map(\.product)
        let rebought = try await rebought(owned)
        var picked = Picked(excluding: Set(owned).subtracting(rebought), limit: limit)
        switch kind {
        case .forYou:
            let products = history.map(\.product)
            let bought = try await neighbours(of: products, table: "rec_co_purchases", count: "orders", total: "orders")
            let viewed = try await neighbours(of: products, table: "rec_co_views", count: "sessions", total: "view_sessions")
            try await picked.add(RecommendationScoring.forYou(history: history, bought: bought, viewed: viewed, rebought: rebought, now: now),
                                 reason: kind.rawValue, catalog, currency)
        case .buyAgain:
            // Their own products, owned or not: the exclusion is for discovery lists.
            picked.excluded = []
            try await picked.add(RecommendationScoring.buyAgain(history: history, now: now), reason: kind.rawValue, catalog, currency)
            picked.excluded = Set(owned)
        }
        let paths = try await categoryPaths(of: history.map(\.product))
        try await topUp(&picked, categories: Array(Set(paths.values.filter { !$0.isEmpty })), currency: currency, now: now)
        return List(kind: kind.rawValue, items: picked.items)
    }

    /// Trending in `categories` (exact paths), then trending overall, until the list is full.
    private func topUp(_ picked: inout Picked, categories: [[String]], currency: Currency, now: Date) async throws {
        let wanted = picked.limit + picked.excluded.count + picked.items.count
        if !picked.isFull, !categories.isEmpty {
            try await picked.add(trend(categories: categories, prefix: false, currency: currency, now: now, limit: wanted),
                                 reason: "trending-in-category", catalog, currency)
        }
        if !picked.isFull {
            try await picked.add(trend(categories: [], prefix: true, currency: currency, now: now, limit: wanted), reason: "trending", catalog, currency)
        }
    }

    /// A list being filled: candidates in rank order, each kept if available and not yet in.
    struct Picked {
        var excluded: Set<String>
        let limit: Int
        var items: [Item] = []
        var isFull: Bool { items.count >= limit }

        init(excluding: Set<String>, limit: Int) {
            excluded = excluding
            self.limit = max(1, min(limit, RecommendationsReader.maximumLimit))
        }

        mutating func add(_ ranked: [(product: String, score: Double)], reason: String, _ catalog: CatalogReader, _ currency: Currency) async throws {
            let fresh = ranked.filter { candidate in !excluded.contains(candidate.product) && !items.contains { $0.product.productId == candidate.product } }
            // Candidates are checked in slices: most lists fill from their first few.
            var start = 0
            while !isFull, start < fresh.count {
                let slice = fresh[start..<min(fresh.count, start + max(limit * 3, 30))]
                let available = try await catalog.availableProducts(ids: slice.map(\.product), currency: currency)
                for candidate in slice where !isFull {
                    if let product = available[candidate.product] { items.append(Item(product: product, score: candidate.score, reason: reason)) }
                }
                start += slice.count
            }
        }
    }

    /// The products paired with `product` at least ``RecommendationScoring/minimumSupport``
    /// times, by cosine.
    private func pairs(of product: String, table: String, count: String, total: String) async throws -> [(product: String, score: Double)] {
        let found = try await neighbours(of: [product], table: table, count: count, total: total)
        return RecommendationScoring.ranked(Dictionary(found.map { ($0.other, $0.similarity) }, uniquingKeysWith: max))
    }

    private func neighbours(of products: [String], table: String, count: String, total: String) async throws -> [RecommendationScoring.Neighbour] {
        guard !products.isEmpty else { return [] }
        var bindings = PostgresBindings()
        bindings.append(products)
        bindings.append(RecommendationScoring.minimumSupport)
        let sql = """
            SELECT c.product_id, c.other_id, c.\(count), a.\(total), b.\(total)
            FROM \(table) c JOIN rec_products a ON a.product_id = c.product_id JOIN rec_products b ON b.product_id = c.other_id
            WHERE c.product_id = ANY($1) AND c.\(count) >= $2
            """
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        var found: [RecommendationScoring.Neighbour] = []
        for try await (product, other, together, a, b) in rows.decode((String, String, Int64, Int64, Int64).self) {
            found.append(.init(product: product, other: other, similarity: RecommendationScoring.cosine(together: together, a, b)))
        }
        return found
    }

    /// Products like this one by content, among those sharing its top category.
    private func similar(to product: String, path: [String], currency: Currency) async throws -> [(product: String, score: Double)] {
        guard let top = path.first else { return [] }
        let rows = try await client.query(
            """
            SELECT p.product_id, p.category_path, min((v.prices ->> \(currency.code))::bigint),
                   coalesce(array_agg(DISTINCT a.key || '=' || a.value) FILTER (WHERE a.key IS NOT NULL), '{}')
            FROM catalog_products p JOIN catalog_variants v ON v.product_id = p.product_id
            LEFT JOIN LATERAL jsonb_each_text(v.attributes) a ON true
            WHERE p.category_path[1] = \(top) AND (p.status = 'published' OR p.product_id = \(product))
            GROUP BY p.product_id
            """,
            logger: logger
        )
        var contents: [String: RecommendationScoring.Content] = [:]
        for try await (id, categoryPath, price, attributes) in rows.decode((String, [String], Int64?, [String]).self) {
            contents[id] = .init(categoryPath: categoryPath, price: price, attributes: Set(attributes))
        }
        guard let this = contents.removeValue(forKey: product) else { return [] }
        return RecommendationScoring.ranked(contents.mapValues { RecommendationScoring.similarity(this, $0) }.filter { $0.value > 0 })
    }

    /// Available products by trend score now, within `categories` (as prefixes or exact paths;
    /// none: all), up to `limit` plus what the caller may skip.
    private func trend(categories: [[String]], prefix: Bool, currency: Currency, now: Date, limit: Int) async throws -> [(product: String, score: Double)] {
        // Paths travel as one text each ('/'-joined), compared with the product's path likewise.
        // Ranked in SQL by log₂ of the score as of now (log₂ score + asOf / half-life: the same
        // order, with no decay factor to underflow), then scored exactly here.
        let paths = categories.map { $0.joined(separator: "/") }
        let rows = try await client.query(
            """
            SELECT p.product_id, coalesce(r.trend_score, 0), coalesce(r.trend_at, 'epoch')
            FROM catalog_products p LEFT JOIN rec_products r ON r.product_id = p.product_id
            WHERE p.status = 'published'
              AND (cardinality(\(paths)::text[]) = 0 OR EXISTS (
                    SELECT 1 FROM unnest(\(paths)::text[]) wanted
                    WHERE array_to_string(p.category_path, '/') = wanted
                       OR (\(prefix) AND array_to_string(p.category_path, '/') LIKE replace(replace(wanted, '%', '\\%'), '_', '\\_') || '/%')))
              AND EXISTS (SELECT 1 FROM catalog_variants v WHERE v.product_id = p.product_id AND v.available > 0 AND v.prices ? \(currency.code))
            ORDER BY CASE WHEN r.trend_score > 0 THEN ln(r.trend_score) / ln(2::float8) + extract(epoch FROM r.trend_at)::float8 / \(trendHalfLife)
                          ELSE '-Infinity'::float8 END DESC, p.product_id
            LIMIT \(limit)
            """,
            logger: logger
        )
        var scores: [String: Double] = [:]
        for try await (id, score, at) in rows.decode((String, Double, Date).self) {
            scores[id] = TrendScore(value: score, asOf: at).value(at: now, halfLife: trendHalfLife)
        }
        return RecommendationScoring.ranked(scores)
    }

    private func categoryPaths(of products: [String]) async throws -> [String: [String]] {
        guard !products.isEmpty else { return [:] }
        let rows = try await client.query("SELECT product_id, category_path FROM catalog_products WHERE product_id = ANY(\(products))", logger: logger)
        var paths: [String: [String]] = [:]
        for try await (id, path) in rows.decode((String, [String]).self) { paths[id] = path }
        return paths
    }

    private func history(of customer: String) async throws -> [RecommendationScoring.HistoryItem] {
        let rows = try await client.query(
            "SELECT product_id, orders, last_ordered_at, views, last_viewed_at FROM rec_customer_products WHERE customer_id = \(customer)",
            logger: logger
        )
        var items: [RecommendationScoring.HistoryItem] = []
        for try await (product, orders, ordered, views, viewed) in rows.decode((String, Int32, Date?, Int32, Date?).self) {
            items.append(.init(product: product, orders: Int(orders), lastOrderedAt: ordered, views: Int(views), lastViewedAt: viewed))
        }
        return items
    }

    private func rebought(_ products: [String]) async throws -> Set<String> {
        guard !products.isEmpty else { return [] }
        let rows = try await client.query("SELECT product_id, buyers, repeat_buyers FROM rec_products WHERE product_id = ANY(\(products))", logger: logger)
        var found: Set<String> = []
        for try await (id, buyers, repeaters) in rows.decode((String, Int64, Int64).self) where RecommendationScoring.isRebought(buyers: buyers, repeatBuyers: repeaters) {
            found.insert(id)
        }
        return found
    }
}
