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

    @Test("for-you adds a re-bought product's own weight to the pairs' sums, and only a re-bought one's")
    func forYouAndOwnership() {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let history = [RecommendationScoring.HistoryItem(product: "coffee", orders: 3, lastOrderedAt: now, views: 0, lastViewedAt: nil)]
        // The pairs' sum for the filter: 3 orders · cosine 0.5.
        let plain = RecommendationScoring.forYou(neighbours: ["filter": 1.5], history: history, rebought: [], now: now)
        #expect(plain.map(\.product) == ["filter"] && abs(plain[0].score - 1.5) < 1e-12)
        let again = RecommendationScoring.forYou(neighbours: ["filter": 1.5], history: history, rebought: ["coffee"], now: now)
        // coffee: 3 orders just now, its own weight.
        #expect(again.map(\.product) == ["coffee", "filter"] && abs(again[0].score - 3) < 1e-12 && abs(again[1].score - 1.5) < 1e-12)
        #expect(RecommendationScoring.isRebought(buyers: 10, repeatBuyers: 3) && !RecommendationScoring.isRebought(buyers: 10, repeatBuyers: 2))
        #expect(!RecommendationScoring.isRebought(buyers: 2, repeatBuyers: 2), "two buyers are too few to say")
    }
}
