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
/// - for-you → trending in the customer's categories → trending;
/// - buy-again → for-you → trending in the customer's categories → trending.
/// Each item says which source it came from (`reason`). What every list needs of the products
/// on sale comes from a shared snapshot (``ProductsOnSale``), and the items' cards from a shared
/// cache of the same age (``RecommendationCards``), and each product's strongest pairs from a
/// third (``PairLists``); a request reads only its customer's products and what none of these
/// holds yet. A request that must see a write (`fresh`) reads all of it afresh.
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
    let cardCache: RecommendationCards
    let onSale: ProductsOnSale
    let pairs: PairLists
    let trendHalfLife: TimeInterval

    /// How fast the trend score forgets, by default: an order or view counts half after 72 hours.
    public static let defaultTrendHalfLife: TimeInterval = 72 * 3600

    /// - Parameters:
    ///   - trendHalfLife: applied when read (the read model keeps whole counts per hour), so a
    ///     change needs no rebuild.
    ///   - snapshotAge: how old the snapshot of products on sale and the cards may be. Each read
    ///     costs the database a little; every second, it showed in the tail of every list's
    ///     latency under load.
    ///   - pairAge: how old a product's pairs may be. A pair's count moves by one per order, and
    ///     reading every asked product's pairs again each few seconds cost a third of a core.
    public init(
        client: PostgresClient, logger: Logger, trendHalfLife: TimeInterval = defaultTrendHalfLife, snapshotAge: Duration = .seconds(5),
        pairAge: Duration = .seconds(30)
    ) {
        self.client = client
        self.logger = logger
        catalog = CatalogReader(client: client, logger: logger)
        cardCache = RecommendationCards(catalog: catalog, maximumAge: snapshotAge, logger: logger)
        onSale = ProductsOnSale(client: client, logger: logger, maximumAge: snapshotAge, trendHalfLife: trendHalfLife)
        pairs = PairLists(client: client, logger: logger, maximumAge: pairAge)
        self.trendHalfLife = trendHalfLife
    }

    /// The half-life from `RECOMMENDATIONS_TREND_HALF_LIFE_HOURS` (a positive number), else 72 hours.
    public static func configuredTrendHalfLife(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> TimeInterval {
        let hours = environment["RECOMMENDATIONS_TREND_HALF_LIFE_HOURS"].flatMap(Double.init).flatMap { $0 > 0 && $0.isFinite ? $0 : nil }
        return hours.map { $0 * 3600 } ?? defaultTrendHalfLife
    }

    /// A product's list; nil when the product is not in the catalog, or not published unless
    /// `includingUnpublished` (an admin's preview). `fresh`: read everything afresh, so that
    /// the list reflects the read model as it is now (read-your-writes).
    public func list(
        _ kind: ProductList, for product: String, limit: Int, currency: Currency, now: Date = Date(), includingUnpublished: Bool = false,
        fresh: Bool = false
    ) async throws -> List? {
        let snapshot = try await onSale.current(fresh: fresh)
        let content: RecommendationScoring.Content
        if let known = snapshot.products[product] {
            content = .init(categoryPath: known.categoryPath, price: known.prices[currency.code], sortedAttributes: known.attributes)
        } else {
            // Not on sale when the snapshot was taken: just published, unpublished, or unknown.
            guard let stored = try await storedContent(of: product, currency: currency),
                  stored.published || includingUnpublished else { return nil }
            content = stored.content
        }
        var picked = Picked(excluding: [product], limit: limit, snapshot: snapshot, currency: currency)
        switch kind {
        case .alsoBought:
            picked.add(RecommendationScoring.ranked(try await neighbours(of: [product: 1], bought: 1, viewed: 0, excluding: [product], fresh: fresh)),
                       reason: kind.rawValue)
        case .alsoViewed:
            picked.add(RecommendationScoring.ranked(try await neighbours(of: [product: 1], bought: 0, viewed: 1, excluding: [product], fresh: fresh)),
                       reason: kind.rawValue)
        case .similar:
            break
        }
        if !picked.isFull {
            picked.add(similar(to: product, content, in: snapshot, currency: currency), reason: ProductList.similar.rawValue)
        }
        topUp(&picked, categories: content.categoryPath.isEmpty ? [] : [content.categoryPath], now: now)
        return List(kind: kind.rawValue, items: try await cards(picked, fresh: fresh))
    }

    /// Trending products, optionally within a category path prefix; all available products
    /// of the category are candidates (those with no trend score last, by id).
    public func trending(category: [String], limit: Int, currency: Currency, now: Date = Date(), fresh: Bool = false) async throws -> List {
        var picked = Picked(excluding: [], limit: limit, snapshot: try await onSale.current(fresh: fresh), currency: currency)
        picked.add(trend(in: picked.snapshot, categories: category.isEmpty ? [] : [category], prefix: true, now: now), reason: "trending")
        return List(kind: "trending", items: try await cards(picked, fresh: fresh))
    }

    /// A signed-in customer's list.
    public func list(_ kind: CustomerList, for customer: String, limit: Int, currency: Currency, now: Date = Date(), fresh: Bool = false) async throws -> List {
        let snapshot = try await onSale.current(fresh: fresh)
        let (history, orders) = try await history(of: customer)
        let owned = history.filter { $0.orders > 0 }.map(\.product)
        let rebought = Set(owned.filter { id in
            snapshot.standings[id].map {
                RecommendationScoring.isRebought(buyers: $0.buyers, repeatBuyers: $0.repeatBuyers, typicalShare: snapshot.typicalRepeatShare)
            } ?? false
        })
        // Discovery leaves out what they own (unless re-bought often); buy-again lists it first.
        let discovery = Set(owned).subtracting(rebought)
        var picked = Picked(excluding: kind == .buyAgain ? [] : discovery, limit: limit, snapshot: snapshot, currency: currency)
        if kind == .buyAgain {
            picked.add(RecommendationScoring.buyAgain(
                history: history, standings: snapshot.standings, typicalShare: snapshot.typicalRepeatShare, now: now
            ), reason: kind.rawValue)
            picked.excluded = discovery
        }
        if !picked.isFull {
            let weights = Dictionary(history.map { ($0.product, RecommendationScoring.weight(of: $0, now: now)) }, uniquingKeysWith: +)
            let sums = try await neighbours(
                of: weights, bought: 1, viewed: RecommendationScoring.viewedPairWeight, measure: .share, excluding: Set(owned), fresh: fresh
            )
            picked.add(RecommendationScoring.forYou(neighbours: sums,
                                                    history: history, orders: orders, rebought: rebought, standings: snapshot.standings, now: now),
                       reason: CustomerList.forYou.rawValue)
        }
        let paths = Set(history.compactMap { snapshot.products[$0.product]?.categoryPath }.filter { !$0.isEmpty })
        topUp(&picked, categories: Array(paths), now: now)
        return List(kind: kind.rawValue, items: try await cards(picked, fresh: fresh))
    }

    /// Trending in `categories` (exact paths), then trending overall, until the list is full.
    private func topUp(_ picked: inout Picked, categories: [[String]], now: Date) {
        if !picked.isFull, !categories.isEmpty {
            picked.add(trend(in: picked.snapshot, categories: categories, prefix: false, now: now), reason: "trending-in-category")
        }
        if !picked.isFull {
            picked.add(trend(in: picked.snapshot, categories: [], prefix: true, now: now), reason: "trending")
        }
    }

    /// A list being filled: candidates in rank order, each kept if it can be bought in the
    /// currency (by the snapshot) and is not excluded or in already.
    struct Picked {
        var excluded: Set<String>
        let limit: Int
        let snapshot: ProductsOnSale.Snapshot
        let currency: Currency
        var chosen: [(product: String, score: Double, reason: String)] = []
        private var inList: Set<String> = []
        var isFull: Bool { chosen.count >= limit }

        init(excluding: Set<String>, limit: Int, snapshot: ProductsOnSale.Snapshot, currency: Currency) {
            excluded = excluding
            self.limit = max(1, min(limit, RecommendationsReader.maximumLimit))
            self.snapshot = snapshot
            self.currency = currency
        }

        mutating func add(_ ranked: [(product: String, score: Double)], reason: String) {
            for candidate in ranked where !isFull {
                guard !excluded.contains(candidate.product), !inList.contains(candidate.product),
                      snapshot.products[candidate.product]?.buyable.contains(currency.code) == true else { continue }
                chosen.append((candidate.product, candidate.score, reason))
                inList.insert(candidate.product)
            }
        }
    }

    /// The chosen products priced in the currency, in their order (one that stopped being
    /// available since the snapshot drops out).
    private func cards(_ picked: Picked, fresh: Bool) async throws -> [Item] {
        let found = try await cardCache.available(ids: picked.chosen.map(\.product), currency: picked.currency, fresh: fresh)
        return picked.chosen.compactMap { chosen in found[chosen.product].map { Item(product: $0, score: chosen.score, reason: chosen.reason) } }
    }

    /// Σᵢ weightᵢ · (bought · m_bought(i, x) + viewed · m_viewed(i, x)) over the given
    /// products i and their strongest pairs (``PairLists``; a pairing weighted 0 is not summed),
    /// for each other product x not excluded, where m is the pair's `measure` (its cosine, or
    /// its share of i's orders or sessions). Summed in the order of the products' ids, so the
    /// same history gives the same sums to the last bit.
    private func neighbours(
        of weights: [String: Double], bought: Double, viewed: Double, measure: PairLists.Measure = .cosine,
        excluding: Set<String>, fresh: Bool
    ) async throws -> [String: Double] {
        guard !weights.isEmpty else { return [:] }
        let products = weights.keys.sorted()
        let lists = try await pairs.lists(of: products, fresh: fresh)
        var sums: [String: Double] = [:]
        for product in products {
            guard let weight = weights[product], let pairsOfProduct = lists[product] else { continue }
            for (pairing, pairs) in [(bought, pairsOfProduct.bought), (viewed, pairsOfProduct.viewed)] where pairing > 0 {
                for pair in pairs where !excluding.contains(pair.product) {
                    sums[pair.product, default: 0] += weight * pairing * pair[measure]
                }
            }
        }
        return sums
    }

    /// Products like this one by content, among those on sale sharing its top category.
    private func similar(
        to product: String, _ content: RecommendationScoring.Content, in snapshot: ProductsOnSale.Snapshot, currency: Currency
    ) -> [(product: String, score: Double)] {
        guard let top = content.categoryPath.first else { return [] }
        var scores: [String: Double] = [:]
        for (id, other) in snapshot.products where id != product && other.categoryPath.first == top {
            let likeness = RecommendationScoring.similarity(
                content, .init(categoryPath: other.categoryPath, price: other.prices[currency.code], sortedAttributes: other.attributes)
            )
            if likeness > 0 { scores[id] = likeness }
        }
        return RecommendationScoring.ranked(scores)
    }

    /// Products on sale by trend score now, within `categories` (as prefixes or exact paths;
    /// none: all).
    private func trend(in snapshot: ProductsOnSale.Snapshot, categories: [[String]], prefix: Bool, now: Date) -> [(product: String, score: Double)] {
        var scores: [String: Double] = [:]
        for (id, product) in snapshot.products {
            if !categories.isEmpty, !categories.contains(where: { wanted in
                prefix ? product.categoryPath.starts(with: wanted) : product.categoryPath == wanted
            }) { continue }
            scores[id] = product.trend.value(at: now, halfLife: trendHalfLife)
        }
        return RecommendationScoring.ranked(scores)
    }

    /// A product's content and whether it is published, from the catalog's tables.
    private func storedContent(of product: String, currency: Currency) async throws -> (content: RecommendationScoring.Content, published: Bool)? {
        let rows = try await client.query(
            """
            SELECT p.category_path, p.status = 'published', min((v.prices ->> \(currency.code))::bigint),
                   coalesce(array_agg(DISTINCT a.key || '=' || a.value) FILTER (WHERE a.key IS NOT NULL), '{}')
            FROM catalog_products p LEFT JOIN catalog_variants v ON v.product_id = p.product_id
            LEFT JOIN LATERAL jsonb_each_text(v.attributes) a ON true
            WHERE p.product_id = \(product)
            GROUP BY p.product_id
            """,
            logger: logger
        )
        for try await (path, published, price, attributes) in rows.decode(([String], Bool, Int64?, [String]).self) {
            return (.init(categoryPath: path, price: price, attributes: attributes), published)
        }
        return nil
    }

    /// The customer's products (by id, so that the same history reads the same), and how many
    /// orders they placed.
    private func history(of customer: String) async throws -> (items: [RecommendationScoring.HistoryItem], orders: Int) {
        let rows = try await client.query(
            """
            SELECT product_id, orders, last_ordered_at, views, last_viewed_at,
                   coalesce((SELECT o.orders FROM rec_customer_orders o WHERE o.customer_id = \(customer)), 0)
            FROM rec_customer_products WHERE customer_id = \(customer) ORDER BY product_id
            """,
            logger: logger
        )
        var items: [RecommendationScoring.HistoryItem] = []
        var orders = 0
        for try await (product, productOrders, ordered, views, viewed, customerOrders) in rows.decode((String, Int32, Date?, Int32, Date?, Int64).self) {
            items.append(.init(product: product, orders: Int(productOrders), lastOrderedAt: ordered, views: Int(views), lastViewedAt: viewed))
            orders = Int(customerOrders)
        }
        return (items, orders)
    }
}
