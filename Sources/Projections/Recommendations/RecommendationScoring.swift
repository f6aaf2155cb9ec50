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
    /// Where a customer shops changes slowly, unlike what they are after this week: their
    /// categories weigh every order and every view, halving only every 365 days.
    public static let affinityHalfLife: TimeInterval = 365 * 86_400
    /// Buy-again weighs how often by how lately: orders × 2^(−age / 30 days).
    public static let buyAgainHalfLife: TimeInterval = 30 * 86_400
    /// A product "re-bought often" — kept in for-you although the customer owns it — has at
    /// least this many buyers, some of whom bought it again, and a share of repeat buyers at
    /// least this fraction of the shop's typical share (``typicalRepeatShare(_:)``). How often
    /// anything is bought again differs from a grocer to a furniture shop; what marks a durable
    /// (a kettle) is being re-bought far less than the shop's products usually are.
    public static let rebuyMinimumBuyers: Int64 = 3
    public static let rebuyShareOfTypical = 0.25
    /// Buy-again lists a product the customer bought once only when its buyers re-buy it at least
    /// twice as often as the shop's products typically are: a clear replenishment (milk), not
    /// merely no durable. Others are for-you's to weigh, which tops buy-again up. (On the
    /// evaluation's history buy-again's hit rate was 0.717 at once the typical share, 0.721 at
    /// twice and 0.722 with no product bought once at all.)
    public static let buyAgainShareOfTypical = 2.0
    /// For-you's discovery half mixes two guesses at the products a customer buys next that
    /// they have not bought: what goes with their products (pairs), and what is bought most
    /// where they shop (their categories). Half and half.
    public static let categoryShare = 0.5
    /// About how many products a next order brings that the customer has not bought before:
    /// the weight of discovery against their own re-buying in for-you.
    public static let newProductsPerOrder = 2.0

    /// What the lists know of a product on sale besides its content: its category path, how
    /// many signed-in customers bought it, and how many of them more than once.
    public struct Standing: Sendable, Equatable {
        public var categoryPath: [String]
        public var buyers: Int64
        public var repeatBuyers: Int64

        public init(categoryPath: [String], buyers: Int64, repeatBuyers: Int64) {
            self.categoryPath = categoryPath
            self.buyers = buyers
            self.repeatBuyers = repeatBuyers
        }
    }

    /// One product in a customer's history.
    public struct HistoryItem: Sendable, Hashable {
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
        decayedWeight(of: item, now: now, purchaseHalfLife: purchaseHalfLife, viewHalfLife: viewHalfLife, viewCount: 1)
    }

    /// orders × 2^(−age of last order/`purchaseHalfLife`) + 0.25 × `viewCount` ×
    /// 2^(−age of last view/`viewHalfLife`), each term only if the item has orders (views).
    private static func decayedWeight(
        of item: HistoryItem, now: Date, purchaseHalfLife: TimeInterval, viewHalfLife: TimeInterval, viewCount: Int
    ) -> Double {
        var weight = 0.0
        if item.orders > 0, let ordered = item.lastOrderedAt {
            weight += Double(item.orders) * TrendScore.decay(max(0, now.timeIntervalSince(ordered)), halfLife: purchaseHalfLife)
        }
        if item.views > 0, let viewed = item.lastViewedAt {
            weight += viewWeight * Double(viewCount) * TrendScore.decay(max(0, now.timeIntervalSince(viewed)), halfLife: viewHalfLife)
        }
        return weight
    }

    /// For-you, an estimate of how likely each product is to be in the customer's next order:
    /// `score(x) = again(x) + n · ((1 − λ) · pairs(x) / Σ pairs + λ · Σ_c affinity(c) · P(x | c))`,
    /// with n = ``newProductsPerOrder`` and λ = ``categoryShare``.
    /// - `again(x)`, for a product they bought that is in `rebought`:
    ///   `(orders(x) − 1 + p(x)) / orders`, the share of their `orders` that held it, with the
    ///   first purchase counted as `p(x) = (repeat buyers + 1) / (buyers + 2)`: how likely a
    ///   buyer of x is to buy it again (add-one smoothed).
    /// - `pairs(x) = Σᵢ weight(i) · (share_bought(i, x) + 0.5 · share_viewed(i, x))` over the
    ///   history items i (`neighbours`, summed by the reader, without the products they bought),
    ///   where `share(i, x) = together / count(i)` is the share of i's orders (sessions) that held
    ///   x too: how likely x is to come along with i. (The cosine, which ranks also-bought, divides
    ///   by x's popularity too, and so ranked rarer products higher than they are bought.)
    /// - `affinity(c)`: the customer's share of their history's weight in category path c, by
    ///   ``affinityWeight(of:now:)``: a year of orders and views, not the last weeks'.
    /// - `P(x | c) = (buyers(x) + 1) / Σ_{y in c} (buyers(y) + 1)`: how often x is the one bought
    ///   in its category (add-one smoothing, so a new product there is not zero).
    /// What the customer bought is left out unless in `rebought`. `standings` are the products
    /// on sale; a history product missing from them has no category.
    public static func forYou(
        neighbours: [String: Double], history: [HistoryItem], orders: Int, rebought: Set<String>, standings: [String: Standing], now: Date
    ) -> [(product: String, score: Double)] {
        var scores: [String: Double] = [:]
        let pairs = neighbours.filter { $0.value > 0 }
        let pairTotal = pairs.values.reduce(0, +)
        if pairTotal > 0 {
            for (product, sum) in pairs { scores[product] = newProductsPerOrder * (1 - categoryShare) * sum / pairTotal }
        }
        let affinity = categoryAffinity(history: history, standings: standings, now: now)
        if !affinity.isEmpty {
            var categoryTotals: [[String]: Double] = [:]
            for standing in standings.values where affinity[standing.categoryPath] != nil {
                categoryTotals[standing.categoryPath, default: 0] += Double(standing.buyers + 1)
            }
            for (product, standing) in standings {
                guard let share = affinity[standing.categoryPath], let total = categoryTotals[standing.categoryPath] else { continue }
                scores[product, default: 0] += newProductsPerOrder * categoryShare * share * Double(standing.buyers + 1) / total
            }
        }
        for item in history where item.orders > 0 {
            guard rebought.contains(item.product) else {
                scores[item.product] = nil
                continue
            }
            let standing = standings[item.product]
            let again = Double((standing?.repeatBuyers ?? 0) + 1) / Double((standing?.buyers ?? 0) + 2)
            scores[item.product, default: 0] += (Double(item.orders - 1) + again) / Double(max(orders, item.orders))
        }
        return ranked(scores.filter { $0.value > 0 })
    }

    /// How much a history item says about the categories the customer shops in:
    /// orders × 2^(−age/365 d) + 0.25 × views × 2^(−age of the last view/365 d).
    public static func affinityWeight(of item: HistoryItem, now: Date) -> Double {
        decayedWeight(of: item, now: now, purchaseHalfLife: affinityHalfLife, viewHalfLife: affinityHalfLife, viewCount: item.views)
    }

    /// Each category path's share of the customer's history by ``affinityWeight(of:now:)``
    /// (products on sale only).
    public static func categoryAffinity(history: [HistoryItem], standings: [String: Standing], now: Date) -> [[String]: Double] {
        var weights: [[String]: Double] = [:]
        for item in history {
            guard let path = standings[item.product]?.categoryPath, !path.isEmpty else { continue }
            weights[path, default: 0] += affinityWeight(of: item, now: now)
        }
        let total = weights.values.reduce(0, +)
        guard total > 0 else { return [:] }
        return weights.mapValues { $0 / total }
    }

    /// Buy-again: the customer's own products they are likely to order again — ones they bought
    /// more than once, or once when its buyers re-buy it at least twice as often as the shop's
    /// products typically are (``isRebought(buyers:repeatBuyers:typicalShare:fraction:)`` with
    /// fraction ``buyAgainShareOfTypical``) — by
    /// `orders · 2^(−age/30 d) · (repeat buyers + 1) / (buyers + 2)`: how often and how lately,
    /// times how likely anyone is to buy the product again (add-one smoothed). A product bought
    /// once that is re-bought less than that is left to for-you, which tops the list up, and
    /// which keeps it only if it is no durable. `typicalShare` is
    /// ``typicalRepeatShare(_:)`` of the products on sale (the snapshot keeps it).
    public static func buyAgain(
        history: [HistoryItem], standings: [String: Standing], typicalShare: Double, now: Date
    ) -> [(product: String, score: Double)] {
        var scores: [String: Double] = [:]
        for item in history where item.orders > 0 {
            guard let ordered = item.lastOrderedAt else { continue }
            let standing = standings[item.product]
            let buyers = standing?.buyers ?? 0, repeatBuyers = standing?.repeatBuyers ?? 0
            guard item.orders >= 2 || isRebought(buyers: buyers, repeatBuyers: repeatBuyers, typicalShare: typicalShare, fraction: buyAgainShareOfTypical) else { continue }
            let propensity = Double(repeatBuyers + 1) / Double(buyers + 2)
            scores[item.product] = Double(item.orders) * TrendScore.decay(max(0, now.timeIntervalSince(ordered)), halfLife: buyAgainHalfLife) * propensity
        }
        return ranked(scores)
    }

    /// Whether a product is re-bought often enough to recommend to those who own it: at least
    /// ``rebuyMinimumBuyers`` buyers, some of whom bought it again, at least `fraction` ×
    /// `typicalShare` of them (by default ``rebuyShareOfTypical``: for-you's test for a durable).
    public static func isRebought(buyers: Int64, repeatBuyers: Int64, typicalShare: Double, fraction: Double = rebuyShareOfTypical) -> Bool {
        buyers >= rebuyMinimumBuyers && repeatBuyers > 0 && Double(repeatBuyers) >= fraction * typicalShare * Double(buyers)
    }

    /// The share of buyers who bought a product again, over all the products: Σ repeat buyers ÷
    /// Σ buyers (0 with no buyers).
    public static func typicalRepeatShare(_ standings: some Collection<Standing>) -> Double {
        let buyers = standings.reduce(0) { $0 + $1.buyers }
        return buyers == 0 ? 0 : Double(standings.reduce(0) { $0 + $1.repeatBuyers }) / Double(buyers)
    }

    /// What a product is, for likeness without history: its category path, its lowest price in
    /// the requested currency and its variants' attribute values (`colour=navy`), kept sorted so
    /// that likeness counts the values in common without building sets (a list of similar
    /// products compares one product with hundreds).
    public struct Content: Sendable, Equatable {
        public var categoryPath: [String]
        public var price: Int64?
        /// Distinct, in ascending order.
        public private(set) var attributes: [String]

        public init(categoryPath: [String], price: Int64?, attributes: some Sequence<String>) {
            self.init(categoryPath: categoryPath, price: price, sortedAttributes: Set(attributes).sorted())
        }

        /// Attribute values already distinct and in ascending order.
        init(categoryPath: [String], price: Int64?, sortedAttributes: [String]) {
            self.categoryPath = categoryPath
            self.price = price
            attributes = sortedAttributes
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
        // Values in common, walking both sorted lists once.
        var shared = 0, i = 0, j = 0
        while i < a.attributes.count, j < b.attributes.count {
            if a.attributes[i] == b.attributes[j] {
                shared += 1
                i += 1
                j += 1
            } else if a.attributes[i] < b.attributes[j] {
                i += 1
            } else {
                j += 1
            }
        }
        let union = a.attributes.count + b.attributes.count - shared
        let attributes = union == 0 ? 0 : Double(shared) / Double(union)
        return 0.6 * category + 0.25 * price + 0.15 * attributes
    }

    /// Highest score first; equal scores by product id, so every read lists them alike.
    public static func ranked(_ scores: [String: Double]) -> [(product: String, score: Double)] {
        scores.map { (product: $0.key, score: $0.value) }.sorted { $0.score != $1.score ? $0.score > $1.score : $0.product < $1.product }
    }
}
