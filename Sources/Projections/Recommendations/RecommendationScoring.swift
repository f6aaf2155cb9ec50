import Foundation

/// The formulas that rank recommendation lists, as plain functions of the read model's counts
/// (documented in `docs/recommendations.md`; tests recompute them by hand).
public enum RecommendationScoring {
    /// Pairs seen together fewer times than this make no rule: one order is not a pattern.
    public static let minimumSupport: Int64 = 2
    /// In for-you, a pair viewed together counts half as much as a pair bought together.
    public static let viewedPairWeight = 0.5
    /// A purchase's weight in a customer's history halves every 90 days…
    public static let purchaseHalfLife: TimeInterval = 90 * 86_400
    /// …a view's every 14 days, and a viewed product weighs this much of one order.
    public static let viewHalfLife: TimeInterval = 14 * 86_400
    public static let viewWeight = 0.25
    /// Buy-again weighs how often by how lately: orders × 2^(−age / 30 days).
    public static let buyAgainHalfLife: TimeInterval = 30 * 86_400
    /// A product "re-bought often" — kept in for-you although the customer owns it — has at
    /// least this many buyers, and this share of them bought it again.
    public static let rebuyMinimumBuyers: Int64 = 3
    public static let rebuyRate = 0.3

    /// One product in a customer's history.
    public struct HistoryItem: Sendable, Equatable {
        public var product: String
        public var orders: Int
        public var lastOrderedAt: Date?
        public var views: Int
        public var lastViewedAt: Date?

        public init(product: String, orders: Int, lastOrderedAt: Date?, views: Int, lastViewedAt: Date?) {
            self.product = product
            self.orders = orders
            self.lastOrderedAt = lastOrderedAt
            self.views = views
            self.lastViewedAt = lastViewedAt
        }
    }

    /// How much a history item says about the customer now: orders × 2^(−age/90 d), plus
    /// 0.25 × 2^(−age/14 d) if they viewed it.
    public static func weight(of item: HistoryItem, now: Date) -> Double {
        var weight = 0.0
        if item.orders > 0, let ordered = item.lastOrderedAt {
            weight += Double(item.orders) * TrendScore.decay(max(0, now.timeIntervalSince(ordered)), halfLife: purchaseHalfLife)
        }
        if item.views > 0, let viewed = item.lastViewedAt {
            weight += viewWeight * TrendScore.decay(max(0, now.timeIntervalSince(viewed)), halfLife: viewHalfLife)
        }
        return weight
    }

    /// For-you: score(x) = Σᵢ weight(i) · (cos_bought(i, x) + 0.5 · cos_viewed(i, x)) over the
    /// history items i, leaving out what the customer bought unless it is in `rebought`; such a
    /// product is like itself (cos = 1), so it also scores its own weight. `neighbours` holds the
    /// sums over pairs (summed where the pairs are, in the database), without the owned products.
    public static func forYou(
        neighbours: [String: Double], history: [HistoryItem], rebought: Set<String>, now: Date
    ) -> [(product: String, score: Double)] {
        var scores = neighbours
        for item in history where item.orders > 0 && rebought.contains(item.product) {
            scores[item.product, default: 0] += weight(of: item, now: now)
        }
        return ranked(scores.filter { $0.value > 0 })
    }

    /// Buy-again: the customer's own products, orders × 2^(−age/30 d).
    public static func buyAgain(history: [HistoryItem], now: Date) -> [(product: String, score: Double)] {
        var scores: [String: Double] = [:]
        for item in history where item.orders > 0 {
            guard let ordered = item.lastOrderedAt else { continue }
            scores[item.product] = Double(item.orders) * TrendScore.decay(max(0, now.timeIntervalSince(ordered)), halfLife: buyAgainHalfLife)
        }
        return ranked(scores)
    }

    /// Whether a product is re-bought often enough to recommend to those who own it.
    public static func isRebought(buyers: Int64, repeatBuyers: Int64) -> Bool {
        buyers >= rebuyMinimumBuyers && Double(repeatBuyers) >= rebuyRate * Double(buyers)
    }

    /// What a product is, for likeness without history: its category path, its lowest price in
    /// the requested currency and its variants' attribute values (`colour=navy`).
    public struct Content: Sendable, Equatable {
        public var categoryPath: [String]
        public var price: Int64?
        public var attributes: Set<String>

        public init(categoryPath: [String], price: Int64?, attributes: Set<String>) {
            self.categoryPath = categoryPath
            self.price = price
            self.attributes = attributes
        }
    }

    /// Likeness of content, 0…1: 0.6 × the share of the category path in common (from the top)
    /// + 0.25 × price closeness (1 at the same price, 0 at four times apart, linear in the log)
    /// + 0.15 × the Jaccard index of attribute values. Nothing in common at the top: 0.
    public static func similarity(_ a: Content, _ b: Content) -> Double {
        var common = 0
        while common < min(a.categoryPath.count, b.categoryPath.count), a.categoryPath[common] == b.categoryPath[common] { common += 1 }
        guard common > 0 else { return 0 }
        let category = Double(common) / Double(max(a.categoryPath.count, b.categoryPath.count))
        var price = 0.0
        if let pa = a.price, let pb = b.price, pa > 0, pb > 0 {
            price = max(0, 1 - abs(log(Double(pa) / Double(pb))) / log(4))
        }
        let union = a.attributes.union(b.attributes).count
        let attributes = union == 0 ? 0 : Double(a.attributes.intersection(b.attributes).count) / Double(union)
        return 0.6 * category + 0.25 * price + 0.15 * attributes
    }

    /// Highest score first; equal scores by product id, so every read lists them alike.
    public static func ranked(_ scores: [String: Double]) -> [(product: String, score: Double)] {
        scores.map { (product: $0.key, score: $0.value) }.sorted { $0.score != $1.score ? $0.score > $1.score : $0.product < $1.product }
    }
}
