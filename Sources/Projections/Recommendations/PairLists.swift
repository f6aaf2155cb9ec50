import Foundation
import Logging
import PostgresNIO

/// Each product's strongest pairs — bought in the same order, viewed in the same session — by
/// cosine, read when first asked for and shared by the lists of this process, never older than
/// the age given (that of the snapshot of products on sale; see ``RefreshingCache``). Also-bought
/// and also-viewed are then one product's list, and for-you a sum over the lists of the
/// customer's products, in memory: a customer's first for-you costs the reading of their history,
/// not a sum over thousands of pairs in the database. A request that must see a write reads the
/// lists afresh (`fresh`).
struct PairLists: Sendable {
    /// One product paired with the list's: how alike their buyers (viewers) are, and how
    /// often the list's product brings this one along.
    struct Pair: Sendable, Equatable {
        var product: String
        /// `together / √(count(i) · count(x))`: symmetric, and not inflated by x being popular,
        /// the measure of also-bought and also-viewed.
        var cosine: Double
        /// `together / count(i)`: the share of the list product's orders (sessions) that held
        /// this one too, an estimate of how likely it is to come along, the measure for-you sums.
        var share: Double

        subscript(measure: Measure) -> Double {
            switch measure {
            case .cosine: cosine
            case .share: share
            }
        }
    }

    /// Which of a pair's figures a list ranks or sums by.
    enum Measure: Sendable {
        case cosine, share
    }

    struct Lists: Sendable {
        /// By cosine, strongest first (ties by id).
        var bought: [Pair] = []
        var viewed: [Pair] = []

        var count: Int { bought.count + viewed.count }
    }

    /// How many pairs of each kind a product keeps: its nearest neighbours by cosine. A list
    /// shows at most 50; for-you's sums take these 500 (a pair further down has few orders
    /// together, and adds little).
    static let perProduct = 500
    /// How many pairs are kept in all, at most.
    static let capacity = 2_000_000

    let client: PostgresClient
    let logger: Logger
    private let kept: RefreshingCache<String, Lists>

    init(client: PostgresClient, logger: Logger, maximumAge: Duration) {
        self.client = client
        self.logger = logger
        kept = RefreshingCache(maximumAge: maximumAge, capacity: Self.capacity, logger: logger) { $0.count }
    }

    /// The lists of `products` (a product without pairs has empty ones).
    func lists(of products: [String], fresh: Bool = false) async throws -> [String: Lists] {
        try await kept.values(for: products, fresh: fresh) { [client, logger] products in
            try await Self.read(products, client: client, logger: logger)
        }
    }

    /// The lists of `products`, read in one query.
    static func read(_ products: [String], client: PostgresClient, logger: Logger) async throws -> [String: Lists] {
        var read = Dictionary(products.map { ($0, Lists()) }, uniquingKeysWith: { first, _ in first })
        let rows = try await client.execute(
            PairNeighboursStatement(products: products, minimumSupport: RecommendationScoring.minimumSupport), logger: logger
        )
        for try await (product, kind, other, cosine, share) in rows {
            let pair = Pair(product: other, cosine: cosine, share: share)
            if kind == 0 { read[product]?.bought.append(pair) } else { read[product]?.viewed.append(pair) }
        }
        for product in read.keys {
            read[product]!.bought = strongest(read[product]!.bought)
            read[product]!.viewed = strongest(read[product]!.viewed)
        }
        return read
    }

    /// The best ``perProduct`` pairs, strongest first, ties by id.
    static func strongest(_ pairs: [Pair]) -> [Pair] {
        Array(pairs.sorted { $0.cosine != $1.cosine ? $0.cosine > $1.cosine : $0.product < $1.product }.prefix(perProduct))
    }
}
