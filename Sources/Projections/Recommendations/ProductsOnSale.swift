import Aggregates
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// What every recommendation list needs of every product on sale — category path, lowest price
/// and stock per currency, attribute values, buyer counts and trend score — kept in memory and
/// shared by the lists of this process. Trending, likeness and the availability filter then run
/// in memory; only a list's customer and its final cards are read per request. A product's
/// availability may lag by up to ``maximumAge``.
///
/// The first read takes every product; each later one (at most once per ``maximumAge``) takes
/// only the products whose rows changed since, by the tables' change sequences
/// (`schemas/sql/0024_change_sequences.sql`): reading them all unpacked every variant's prices
/// and attributes (tens of milliseconds of the database per thousand products), which showed in
/// the tail of every list's latency. A rebuilt table (a new table under the same name) is read
/// whole again.
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
        /// How far the snapshot has read the tables' changes.
        let seen: ChangesSeen

        init(products: [String: Product], loadedAt: ContinuousClock.Instant, seen: ChangesSeen) {
            self.products = products
            standings = products.mapValues { .init(categoryPath: $0.categoryPath, buyers: $0.buyers, repeatBuyers: $0.repeatBuyers) }
            typicalRepeatShare = RecommendationScoring.typicalRepeatShare(standings.values)
            self.loadedAt = loadedAt
            self.seen = seen
        }
    }

    /// The greatest change number read of the catalog's tables and of the recommendation
    /// counts, and which tables they were (their object ids: a rebuild puts new tables in place).
    struct ChangesSeen: Sendable, Equatable {
        var catalog: Int64 = 0
        var counts: Int64 = 0
        var tables: [Int64] = []
    }

    private struct State {
        var snapshot: Snapshot?
        /// The read under way, shared: a caller with no snapshot yet waits for it rather than
        /// reading one more (a server's first burst would otherwise read it once per request).
        var reading: Task<Snapshot, any Error>?
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

    /// The snapshot, read again when older than ``maximumAge``: by one task, while callers go on
    /// with the previous one (or, at first, wait for it). `fresh`: read now for this caller
    /// (read-your-writes), and kept for the others.
    public func current(fresh: Bool = false) async throws -> Snapshot {
        if fresh {
            let snapshot = try await read(after: state.withLock { $0.snapshot })
            keep(snapshot)
            return snapshot
        }
        let now = ContinuousClock.now
        enum Next { case use(Snapshot), wait(Task<Snapshot, any Error>) }
        let next: Next = state.withLock { state in
            if let snapshot = state.snapshot, now - snapshot.loadedAt < maximumAge || state.reading != nil { return .use(snapshot) }
            if let reading = state.reading { return .wait(reading) }
            let previous = state.snapshot
            let reading = Task {
                defer { self.state.withLock { $0.reading = nil } }
                let snapshot = try await self.read(after: previous)
                self.keep(snapshot)
                return snapshot
            }
            state.reading = reading
            return .wait(reading)
        }
        switch next {
        case .use(let snapshot): return snapshot
        case .wait(let reading): return try await reading.value
        }
    }

    private func keep(_ snapshot: Snapshot) {
        state.withLock { state in
            if (state.snapshot?.loadedAt).map({ $0 < snapshot.loadedAt }) ?? true { state.snapshot = snapshot }
        }
    }

    /// The snapshot as the tables are now: `previous` with the products changed since read
    /// again, or, with none (or after a rebuild), every product.
    private func read(after previous: Snapshot?) async throws -> Snapshot {
        // The changes first: a row changed while the products are read has a greater number
        // than seen here, and is read again next time.
        let rows = try await client.query(
            """
            SELECT product_id, changed, true FROM catalog_products WHERE changed > \(previous?.seen.catalog ?? .max)
            UNION ALL
            SELECT product_id, changed, true FROM catalog_variants WHERE changed > \(previous?.seen.catalog ?? .max) AND product_id IS NOT NULL
            UNION ALL
            SELECT product_id, changed, false FROM rec_products WHERE changed > \(previous?.seen.counts ?? .max)
            UNION ALL
            SELECT NULL, greatest((SELECT max(changed) FROM catalog_products), (SELECT max(changed) FROM catalog_variants)), true
            UNION ALL
            SELECT NULL, (SELECT max(changed) FROM rec_products), false
            UNION ALL
            SELECT NULL, oid::int8, NULL FROM pg_class
            WHERE oid IN ('catalog_products'::regclass, 'catalog_variants'::regclass, 'rec_products'::regclass)
            """,
            logger: logger
        )
        var seen = ChangesSeen()
        var changed: Set<String> = []
        for try await (product, number, ofCatalog) in rows.decode((String?, Int64?, Bool?).self) {
            guard let number else { continue }
            if let product { changed.insert(product) }
            switch ofCatalog {
            case true?: seen.catalog = max(seen.catalog, number)
            case false?: seen.counts = max(seen.counts, number)
            case nil: seen.tables.append(number)
            }
        }
        seen.tables.sort()
        let now = Date()
        guard let previous, previous.seen.tables == seen.tables else {
            return Snapshot(products: try await products(nil, now: now), loadedAt: ContinuousClock.now, seen: seen)
        }
        var products = previous.products
        if !changed.isEmpty {
            let ids = Array(changed)
            for id in ids { products[id] = nil }
            products.merge(try await self.products(ids, now: now)) { _, read in read }
        }
        return Snapshot(products: products, loadedAt: ContinuousClock.now, seen: seen)
    }

    /// The products on sale among `ids` (all when nil), their trend scores as of `now`.
    private func products(_ ids: [String]?, now: Date) async throws -> [String: Product] {
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
              AND (\(ids)::text[] IS NULL OR p.product_id = ANY(\(ids)::text[]))
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
        let since = now.addingTimeInterval(-Self.horizonInHalfLives * trendHalfLife)
        let hours = try await client.query(
            """
            SELECT product_id, hour, orders, views FROM rec_trend_hours
            WHERE hour >= \(since) AND (\(ids)::text[] IS NULL OR product_id = ANY(\(ids)::text[]))
            """,
            logger: logger
        )
        for try await (id, hour, orders, views) in hours.decode((String, Date, Int64, Int64).self) {
            products[id]?.trend.add(Double(orders) + Self.viewWeight * Double(views), at: hour, halfLife: trendHalfLife)
        }
        for id in Array(products.keys) {
            let value = products[id]!.trend.value(at: now, halfLife: trendHalfLife)
            products[id]!.trend = TrendScore(value: value, asOf: now)
        }
        return products
    }
}
