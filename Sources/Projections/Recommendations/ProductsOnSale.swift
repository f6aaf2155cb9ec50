import Aggregates
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// What every recommendation list needs of every product on sale — category path, lowest price
/// and stock per currency, attribute values, buyer counts and trend score — read in two queries at
/// most once per ``maximumAge`` and shared by the lists of this process. Trending, likeness and the
/// availability filter then run in memory; only a list's pairs and its final cards are read per
/// request. A product's availability may lag by up to ``maximumAge``.
public final class ProductsOnSale: Sendable {
    public struct Product: Sendable {
        public let id: String
        public let categoryPath: [String]
        /// The lowest price of any variant, per currency code.
        public var prices: [String: Int64] = [:]
        /// Currencies in which some variant is in stock and priced.
        public var buyable: Set<String> = []
        /// Variant attribute values, as `name=value`, distinct and in ascending order.
        public var attributes: [String] = []
        public var buyers: Int64 = 0
        public var repeatBuyers: Int64 = 0
        public var trend = TrendScore()

    }

    public struct Snapshot: Sendable {
        public let products: [String: Product]
        /// The same products as the scoring formulas take them.
        public let standings: [String: RecommendationScoring.Standing]
        /// The share of buyers who bought a product again, over these products.
        public let typicalRepeatShare: Double
        let loadedAt: ContinuousClock.Instant

        init(products: [String: Product], loadedAt: ContinuousClock.Instant) {
            self.products = products
            standings = products.mapValues { .init(categoryPath: $0.categoryPath, buyers: $0.buyers, repeatBuyers: $0.repeatBuyers) }
            typicalRepeatShare = RecommendationScoring.typicalRepeatShare(standings.values)
            self.loadedAt = loadedAt
        }
    }

    private struct State {
        var snapshot: Snapshot?
        var loading = false
    }

    /// A view counts this much of an order in the trend score.
    public static let viewWeight = 0.1
    /// Hours further back than this many half-lives (their weight under 1/1024) are not read.
    static let horizonInHalfLives = 10.0

    let client: PostgresClient
    let logger: Logger
    let maximumAge: Duration
    let trendHalfLife: TimeInterval
    private let state = Mutex(State())

    public init(client: PostgresClient, logger: Logger, maximumAge: Duration = .seconds(1), trendHalfLife: TimeInterval) {
        self.client = client
        self.logger = logger
        self.maximumAge = maximumAge
        self.trendHalfLife = trendHalfLife
    }

    /// The snapshot, read again when older than ``maximumAge``: by one caller, while the others
    /// go on with the previous one.
    public func current() async throws -> Snapshot {
        let now = ContinuousClock.now
        let (fresh, load) = state.withLock { state -> (Snapshot?, Bool) in
            if let snapshot = state.snapshot, now - snapshot.loadedAt < maximumAge { return (snapshot, false) }
            if let snapshot = state.snapshot, state.loading { return (snapshot, false) }
            state.loading = true
            return (nil, true)
        }
        if let fresh, !load { return fresh }
        do {
            let snapshot = try await read()
            state.withLock { state in
                state.snapshot = snapshot
                state.loading = false
            }
            return snapshot
        } catch {
            state.withLock { $0.loading = false }
            throw error
        }
    }

    private func read() async throws -> Snapshot {
        // Per product: its lowest price in each currency, the currencies a variant in stock is
        // priced in, and its variants' attribute values, unpacked from the variants' JSON by the
        // database (a price that is not a whole number of minor units is left out).
        let rows = try await client.query(
            """
            SELECT p.product_id, p.category_path,
                   coalesce(prices.currencies, '{}'), coalesce(prices.lowest, '{}'), coalesce(prices.buyable, '{}'),
                   coalesce(attributes.pairs, '{}'), coalesce(r.buyers, 0), coalesce(r.repeat_buyers, 0)
            FROM catalog_products p
            LEFT JOIN LATERAL (
                SELECT array_agg(currency ORDER BY currency) AS currencies, array_agg(lowest ORDER BY currency) AS lowest,
                       coalesce(array_agg(currency ORDER BY currency) FILTER (WHERE buyable), '{}') AS buyable
                FROM (
                    SELECT price.key AS currency, min(price.value::text::bigint) AS lowest, bool_or(v.available > 0) AS buyable
                    FROM catalog_variants v CROSS JOIN LATERAL jsonb_each(v.prices) AS price
                    WHERE v.product_id = p.product_id AND jsonb_typeof(price.value) = 'number' AND price.value::text ~ '^-?[0-9]{1,18}$'
                    GROUP BY price.key
                ) per_currency
            ) prices ON true
            LEFT JOIN LATERAL (
                SELECT array_agg(DISTINCT attribute.key || '=' || attribute.value) AS pairs
                FROM catalog_variants v CROSS JOIN LATERAL jsonb_each_text(v.attributes) AS attribute
                WHERE v.product_id = p.product_id
            ) attributes ON true
            LEFT JOIN rec_products r ON r.product_id = p.product_id
            WHERE p.status = 'published' AND EXISTS (SELECT 1 FROM catalog_variants v WHERE v.product_id = p.product_id)
            """,
            logger: logger
        )
        var products: [String: Product] = [:]
        for try await (id, path, currencies, lowest, buyable, attributes, buyers, repeaters) in rows.decode(
            (String, [String], [String], [Int64], [String], [String], Int64, Int64).self
        ) {
            var product = Product(id: id, categoryPath: path, buyers: buyers, repeatBuyers: repeaters)
            product.prices = Dictionary(zip(currencies, lowest), uniquingKeysWith: min)
            product.buyable = Set(buyable)
            product.attributes = attributes.sorted()
            products[id] = product
        }
        // The trend: each hour's orders and views at the hour's start, decayed to now.
        let now = Date()
        let since = now.addingTimeInterval(-Self.horizonInHalfLives * trendHalfLife)
        let hours = try await client.query(
            "SELECT product_id, hour, orders, views FROM rec_trend_hours WHERE hour >= \(since)",
            logger: logger
        )
        for try await (id, hour, orders, views) in hours.decode((String, Date, Int64, Int64).self) {
            products[id]?.trend.add(Double(orders) + Self.viewWeight * Double(views), at: hour, halfLife: trendHalfLife)
        }
        for id in Array(products.keys) {
            let value = products[id]!.trend.value(at: now, halfLife: trendHalfLife)
            products[id]!.trend = TrendScore(value: value, asOf: now)
        }
        return Snapshot(products: products, loadedAt: ContinuousClock.now)
    }
}
