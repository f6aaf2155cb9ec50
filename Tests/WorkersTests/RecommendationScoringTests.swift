import Aggregates
import Foundation
import Testing

@testable import Projections

/// The recommendation formulas as values: the trend score's folding against its closed form,
/// content likeness at its edges, and for-you's treatment of what a customer owns.
@Suite struct RecommendationScoringTests {
    @Test("a trend score folded in any order of times equals Σ w · 2^(−(T − t)/h) at the latest time T")
    func trendScoreIsOrderFree() {
        var generator = SplitMix64(seed: 5)
        let halfLife: TimeInterval = 72 * 3600
        for _ in 0..<50 {
            let base = 1_780_000_000.0
            let additions = (0..<20).map { _ in
                (weight: [1.0, 0.1][Int(generator.next() % 2)], at: Date(timeIntervalSince1970: base + Double(generator.next() % 2_000_000_000) / 1000))
            }
            var score = TrendScore()
            for addition in additions { score.add(addition.weight, at: addition.at, halfLife: halfLife) }
            let latest = additions.map(\.at).max()!
            let closedForm = additions.reduce(0.0) { $0 + $1.weight * pow(2, -latest.timeIntervalSince($1.at) / halfLife) }
            #expect(abs(score.value - closedForm) <= 1e-12 * closedForm, "\(score.value) vs \(closedForm)")
            #expect(score.asOf == latest)
            // A day later it is worth 2^(−24/72) of that.
            let later = score.value(at: latest.addingTimeInterval(86_400), halfLife: halfLife)
            #expect(abs(later - closedForm * pow(2, -1.0 / 3)) <= 1e-12 * closedForm)
        }
    }

    @Test("likeness: the same content is 1, another top category 0, four times the price earns nothing for price")
    func similarityEdges() {
        let kettle = RecommendationScoring.Content(categoryPath: ["Home", "Kitchen"], price: 3000, attributes: ["colour=red"])
        #expect(abs(RecommendationScoring.similarity(kettle, kettle) - 1) < 1e-12)
        #expect(RecommendationScoring.similarity(kettle, .init(categoryPath: ["Garden", "Kitchen"], price: 3000, attributes: ["colour=red"])) == 0)
        let dearer = RecommendationScoring.Content(categoryPath: ["Home", "Kitchen"], price: 12_000, attributes: [])
        #expect(abs(RecommendationScoring.similarity(kettle, dearer) - 0.6) < 1e-12, "the whole path, no price closeness, no attributes")
        let unpriced = RecommendationScoring.Content(categoryPath: ["Home"], price: nil, attributes: ["colour=red", "size=M"])
        #expect(abs(RecommendationScoring.similarity(kettle, unpriced) - (0.6 * 0.5 + 0.15 * 0.5)) < 1e-12)
    }

    @Test("for-you: the pairs' share adds a re-bought product's own weight, and only a re-bought one's; owned products are left out")
    func forYouAndOwnership() {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let history = [RecommendationScoring.HistoryItem(product: "coffee", orders: 3, lastOrderedAt: now, views: 0, lastViewedAt: nil)]
        // No categories known: the pairs' half alone. The filter's sum, 3 orders · cosine 0.5, is all of it.
        let plain = RecommendationScoring.forYou(neighbours: ["filter": 1.5], history: history, rebought: [], standings: [:], now: now)
        #expect(plain.map(\.product) == ["filter"] && abs(plain[0].score - 0.5) < 1e-12)
        // Re-bought: coffee's own weight (3 orders just now) joins the pairs: 3 and 1.5 of 4.5.
        let again = RecommendationScoring.forYou(neighbours: ["filter": 1.5], history: history, rebought: ["coffee"], standings: [:], now: now)
        #expect(again.map(\.product) == ["coffee", "filter"] && abs(again[0].score - 0.5 * 3 / 4.5) < 1e-12 && abs(again[1].score - 0.5 * 1.5 / 4.5) < 1e-12)
    }

    @Test("re-bought often: at least 3 buyers, some of them again, at least the shop's typical share or 30 %, whichever is lower")
    func reboughtOften() {
        let typical = RecommendationScoring.typicalRepeatShare([
            .init(categoryPath: ["A"], buyers: 10, repeatBuyers: 1), .init(categoryPath: ["B"], buyers: 30, repeatBuyers: 7), .init(categoryPath: ["B"], buyers: 0, repeatBuyers: 0),
        ])
        #expect(abs(typical - 8.0 / 40) < 1e-12)
        #expect(RecommendationScoring.typicalRepeatShare([]) == 0)
        // A grocer, where half of all buyers buy again: 30 % is enough.
        #expect(RecommendationScoring.isRebought(buyers: 10, repeatBuyers: 3, typicalShare: 0.5) && !RecommendationScoring.isRebought(buyers: 10, repeatBuyers: 2, typicalShare: 0.5))
        // A shop where a fifth buy again: 2 of 10 is as often as usual.
        #expect(RecommendationScoring.isRebought(buyers: 10, repeatBuyers: 2, typicalShare: 0.2) && !RecommendationScoring.isRebought(buyers: 10, repeatBuyers: 1, typicalShare: 0.2))
        #expect(!RecommendationScoring.isRebought(buyers: 10, repeatBuyers: 0, typicalShare: 0), "nobody bought it again")
        #expect(!RecommendationScoring.isRebought(buyers: 2, repeatBuyers: 2, typicalShare: 0.2), "two buyers are too few to say")
    }

    @Test("for-you: the categories' half is the customer's share of each category times the product's smoothed share of its buyers")
    func forYouCategories() {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let coffeePath = ["Food", "Coffee"]
        let standings: [String: RecommendationScoring.Standing] = [
            "coffee": .init(categoryPath: coffeePath, buyers: 9, repeatBuyers: 5),
            "filter": .init(categoryPath: coffeePath, buyers: 4, repeatBuyers: 0),
            "beans": .init(categoryPath: coffeePath, buyers: 0, repeatBuyers: 0),
            "mug": .init(categoryPath: ["Home"], buyers: 10, repeatBuyers: 0),
            "rake": .init(categoryPath: ["Garden"], buyers: 50, repeatBuyers: 0),
        ]
        // Coffee bought 3 times just now (weight 3), the mug viewed just now (weight 0.25).
        let history = [
            RecommendationScoring.HistoryItem(product: "coffee", orders: 3, lastOrderedAt: now, views: 0, lastViewedAt: nil),
            RecommendationScoring.HistoryItem(product: "mug", orders: 0, lastOrderedAt: nil, views: 1, lastViewedAt: now),
        ]
        let food = 3 / 3.25, home = 0.25 / 3.25
        // Buyers + 1 in Food/Coffee: 10 + 5 + 1 = 16; in Home: 11.
        let expected: [String: Double] = [
            "filter": 0.5 * food * 5 / 16 + 0.5 * 1.0, "beans": 0.5 * food * 1 / 16, "mug": 0.5 * home * 11 / 11,
        ]
        let affinity = RecommendationScoring.categoryAffinity(history: history, standings: standings, now: now)
        #expect(affinity.count == 2 && abs(affinity[coffeePath]! - food) < 1e-12 && abs(affinity[["Home"]]! - home) < 1e-12)
        let list = RecommendationScoring.forYou(neighbours: ["filter": 2], history: history, rebought: [], standings: standings, now: now)
        #expect(list.map(\.product) == ["filter", "mug", "beans"], "owned coffee out, the garden (never visited) out: \(list)")
        for item in list { #expect(abs(item.score - expected[item.product]!) < 1e-12, "\(item)") }
    }

    @Test("buy-again: what they bought twice or others re-buy, by orders, recency and the product's smoothed repeat share")
    func buyAgain() {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let standings: [String: RecommendationScoring.Standing] = [
            "coffee": .init(categoryPath: ["Food"], buyers: 9, repeatBuyers: 5),
            "kettle": .init(categoryPath: ["Home"], buyers: 5, repeatBuyers: 0),
            "tea": .init(categoryPath: ["Food"], buyers: 10, repeatBuyers: 4),
        ]
        let month: TimeInterval = 30 * 86_400
        let history = [
            RecommendationScoring.HistoryItem(product: "coffee", orders: 3, lastOrderedAt: now.addingTimeInterval(-month), views: 0, lastViewedAt: nil),
            RecommendationScoring.HistoryItem(product: "kettle", orders: 1, lastOrderedAt: now, views: 0, lastViewedAt: nil),
            RecommendationScoring.HistoryItem(product: "tea", orders: 1, lastOrderedAt: now, views: 0, lastViewedAt: nil),
            RecommendationScoring.HistoryItem(product: "lamp", orders: 0, lastOrderedAt: nil, views: 4, lastViewedAt: now),
        ]
        let list = RecommendationScoring.buyAgain(
            history: history, standings: standings, typicalShare: RecommendationScoring.typicalRepeatShare(standings.values), now: now
        )
        // The typical repeat share is 9 of 24, so 30 % counts. coffee: 3 · ½ · 6/11; tea (4 of 10
        // re-buy it): 1 · 1 · 5/12; the kettle, bought once and re-bought by no one, is out.
        #expect(list.map(\.product) == ["coffee", "tea"], "\(list)")
        #expect(abs(list[0].score - 3 * 0.5 * 6 / 11) < 1e-12 && abs(list[1].score - 5.0 / 12) < 1e-12)
    }
}
