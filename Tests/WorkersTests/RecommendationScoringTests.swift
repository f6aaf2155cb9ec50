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

    @Test("for-you: a product they own and others re-buy scores the share of their orders that held it; one not re-bought is left out")
    func forYouAndOwnership() {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let history = [RecommendationScoring.HistoryItem(product: "coffee", orders: 3, lastOrderedAt: now, views: 0, lastViewedAt: nil)]
        // No categories known: the pairs' half alone, for two new products an order: the filter's
        // sum is all of the pairs' sum, so 2 · ½ · 1.
        let plain = RecommendationScoring.forYou(neighbours: ["filter": 1.5], history: history, orders: 4, rebought: [], standings: [:], now: now)
        #expect(plain.map(\.product) == ["filter"] && abs(plain[0].score - 1) < 1e-12)
        // Re-bought: coffee was in 3 of their 4 orders; its first purchase counts as the smoothed
        // chance that a buyer buys it again, (0 + 1) / (0 + 2) with no buyers known: (2 + ½) / 4.
        let again = RecommendationScoring.forYou(neighbours: ["filter": 1.5], history: history, orders: 4, rebought: ["coffee"], standings: [:], now: now)
        #expect(again.map(\.product) == ["filter", "coffee"] && abs(again[0].score - 1) < 1e-12 && abs(again[1].score - 2.5 / 4) < 1e-12, "\(again)")
        // With its buyers known (5 of 9 again): (2 + 6/11) / 4, beside its category's share.
        let standings: [String: RecommendationScoring.Standing] = ["coffee": .init(categoryPath: ["Food"], buyers: 9, repeatBuyers: 5)]
        let known = RecommendationScoring.forYou(neighbours: [:], history: history, orders: 4, rebought: ["coffee"], standings: standings, now: now)
        // The category half: all their weight is in Food, and coffee is all of Food's buyers: 2 · ½ · 1 · 10/10.
        #expect(known.map(\.product) == ["coffee"] && abs(known[0].score - ((2 + 6.0 / 11) / 4 + 1)) < 1e-12, "\(known)")
    }

    @Test("re-bought often: at least 3 buyers, some of them again, at least a quarter of the shop's typical share (buy-again: twice it)")
    func reboughtOften() {
        let typical = RecommendationScoring.typicalRepeatShare([
            .init(categoryPath: ["A"], buyers: 10, repeatBuyers: 1), .init(categoryPath: ["B"], buyers: 30, repeatBuyers: 7), .init(categoryPath: ["B"], buyers: 0, repeatBuyers: 0),
        ])
        #expect(abs(typical - 8.0 / 40) < 1e-12)
        #expect(RecommendationScoring.typicalRepeatShare([]) == 0)
        // A grocer, where half of all buyers buy again: a quarter of that, 12.5 %, marks a consumable.
        #expect(RecommendationScoring.isRebought(buyers: 16, repeatBuyers: 2, typicalShare: 0.5) && !RecommendationScoring.isRebought(buyers: 17, repeatBuyers: 2, typicalShare: 0.5))
        // A furniture shop, where 4 % buy again: 1 of 25 re-buying is plenty there.
        #expect(RecommendationScoring.isRebought(buyers: 25, repeatBuyers: 1, typicalShare: 0.04) && !RecommendationScoring.isRebought(buyers: 101, repeatBuyers: 1, typicalShare: 0.04))
        // Buy-again asks for twice the typical share: 4 of 10 where a fifth buy again, not 3.
        #expect(RecommendationScoring.isRebought(buyers: 10, repeatBuyers: 4, typicalShare: 0.2, fraction: RecommendationScoring.buyAgainShareOfTypical))
        #expect(!RecommendationScoring.isRebought(buyers: 10, repeatBuyers: 3, typicalShare: 0.2, fraction: RecommendationScoring.buyAgainShareOfTypical))
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
        // Coffee bought 3 times just now (weight 3); the mug viewed 4 times, last 73 days ago:
        // 0.25 · 4 views · 2^(−73/365) (a year of views counts for where one shops).
        let history = [
            RecommendationScoring.HistoryItem(product: "coffee", orders: 3, lastOrderedAt: now, views: 0, lastViewedAt: nil),
            RecommendationScoring.HistoryItem(product: "mug", orders: 0, lastOrderedAt: nil, views: 4, lastViewedAt: now.addingTimeInterval(-73 * 86_400)),
        ]
        let mugWeight = 0.25 * 4 * pow(2, -0.2)
        let food = 3 / (3 + mugWeight), home = mugWeight / (3 + mugWeight)
        // Buyers + 1 in Food/Coffee: 10 + 5 + 1 = 16; in Home: 11. Two new products an order,
        // half from the categories and half from the pairs (the filter's 2 is all of them).
        let expected: [String: Double] = [
            "filter": 2 * (0.5 * food * 5 / 16 + 0.5 * 1.0), "beans": 2 * 0.5 * food * 1 / 16, "mug": 2 * 0.5 * home * 11 / 11,
        ]
        let affinity = RecommendationScoring.categoryAffinity(history: history, standings: standings, now: now)
        #expect(affinity.count == 2 && abs(affinity[coffeePath]! - food) < 1e-12 && abs(affinity[["Home"]]! - home) < 1e-12)
        let list = RecommendationScoring.forYou(neighbours: ["filter": 2], history: history, orders: 5, rebought: [], standings: standings, now: now)
        #expect(list.map(\.product) == ["filter", "mug", "beans"], "owned coffee out, the garden (never visited) out: \(list)")
        for item in list { #expect(abs(item.score - expected[item.product]!) < 1e-12, "\(item)") }
        // Re-bought, coffee comes back: its category share, 2 · ½ · food · 10/16, and 3 of 5 orders
        // with the first counted as 6/11.
        let rebought = RecommendationScoring.forYou(neighbours: ["filter": 2], history: history, orders: 5, rebought: ["coffee"], standings: standings, now: now)
        let coffee = rebought.first { $0.product == "coffee" }
        #expect(coffee.map { abs($0.score - (2 * 0.5 * food * 10 / 16 + (2 + 6.0 / 11) / 5)) < 1e-12 } == true, "\(rebought)")
    }

    @Test("buy-again: what they bought twice or others clearly replenish, by orders, recency and the product's smoothed repeat share")
    func buyAgain() {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let standings: [String: RecommendationScoring.Standing] = [
            "coffee": .init(categoryPath: ["Food"], buyers: 9, repeatBuyers: 5),
            "kettle": .init(categoryPath: ["Home"], buyers: 5, repeatBuyers: 0),
            "tea": .init(categoryPath: ["Food"], buyers: 10, repeatBuyers: 4),
            "rice": .init(categoryPath: ["Food"], buyers: 10, repeatBuyers: 2),
            "milk": .init(categoryPath: ["Food"], buyers: 10, repeatBuyers: 10),
        ]
        let month: TimeInterval = 30 * 86_400
        let history = [
            RecommendationScoring.HistoryItem(product: "coffee", orders: 3, lastOrderedAt: now.addingTimeInterval(-month), views: 0, lastViewedAt: nil),
            RecommendationScoring.HistoryItem(product: "kettle", orders: 1, lastOrderedAt: now, views: 0, lastViewedAt: nil),
            RecommendationScoring.HistoryItem(product: "tea", orders: 1, lastOrderedAt: now, views: 0, lastViewedAt: nil),
            RecommendationScoring.HistoryItem(product: "rice", orders: 1, lastOrderedAt: now, views: 0, lastViewedAt: nil),
            RecommendationScoring.HistoryItem(product: "milk", orders: 1, lastOrderedAt: now.addingTimeInterval(-2 * month), views: 0, lastViewedAt: nil),
            RecommendationScoring.HistoryItem(product: "lamp", orders: 0, lastOrderedAt: nil, views: 4, lastViewedAt: now),
        ]
        let list = RecommendationScoring.buyAgain(
            history: history, standings: standings, typicalShare: RecommendationScoring.typicalRepeatShare(standings.values), now: now
        )
        // The typical repeat share is 21 of 44 (48 %). coffee: 3 · ½ · 6/11; milk (all 10 re-buy
        // it, more than twice the typical share), two months ago: 1 · ¼ · 11/12. Bought once, the
        // kettle (re-bought by no one), the rice (2 of 10) and the tea (4 of 10: not twice the
        // typical share) are out; for-you may still list the rice and the tea.
        #expect(list.map(\.product) == ["coffee", "milk"], "\(list)")
        #expect(abs(list[0].score - 3 * 0.5 * 6 / 11) < 1e-12 && abs(list[1].score - 0.25 * 11 / 12) < 1e-12)
    }
}
