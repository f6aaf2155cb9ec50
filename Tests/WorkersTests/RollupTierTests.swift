import Aggregates
import Testing

@testable import Projections

/// The rollup covers: whatever ranges a cover picks, adding and taking them away must count
/// every instant of the period once and nothing outside it.
@Suite struct RollupTierTests {
    /// Periods in zones a quarter hour, half an hour and whole hours from UTC, across month and
    /// year ends, from a quarter hour to over a year long.
    static let periods: [(Int64, Int64)] = {
        var generator = SplitMix64(seed: 11)
        var periods: [(Int64, Int64)] = []
        let lengths: [Int64] = [900, 3600, 86_400, 7 * 86_400, 31 * 86_400, 92 * 86_400, 366 * 86_400]
        for length in lengths {
            for _ in 0..<40 {
                let from = 1_699_999_200 + Int64(generator.next() % (800 * 86_400)) / 900 * 900 + [0, 900, 1800, 2700, 3600 * 5 + 1800][Int(generator.next() % 5)]
                periods.append((from, from + max(900, length - Int64(generator.next() % 4) * 900)))
            }
        }
        return periods
    }()

    /// Every table's tiers: all four, and the per-SKU table's three (no hours).
    @Test(arguments: [false, true], [RollupTier.all, RollupTier.perSKU])
    func coversEachInstantOfThePeriodExactlyOnce(signed: Bool, tiers: [RollupTier]) {
        for (from, to) in Self.periods {
            let ranges = RollupTier.cover(from: from, to: to, signed: signed, tiers: tiers)
            for range in ranges {
                #expect(tiers.contains(range.tier))
                #expect(range.from < range.to && range.tier.start(range.from) == range.from && range.tier.start(range.to) == range.to)
                if !signed { #expect(range.sign == 1) }
            }
            // The count is constant between consecutive ends of ranges: check it there.
            let points = Set(ranges.flatMap { [$0.from, $0.to] } + [from, to]).sorted()
            for point in points {
                let weight = ranges.reduce(Int32(0)) { $0 + (($1.from <= point && point < $1.to) ? $1.sign : 0) }
                #expect(weight == ((from <= point && point < to) ? 1 : 0), "\(from)..<\(to) at \(point), signed: \(signed)")
            }
        }
    }

    @Test func aZonedDayIsTheUTCDayAndAnHourEitherSide() {
        // 2026-03-10 in Berlin (UTC+1): 23:00 UTC the day before until 23:00 UTC.
        let start: Int64 = 1_773_097_200
        let ranges = RollupTier.cover(from: start, to: start + 86_400, signed: true)
        #expect(ranges == [
            .init(tier: .day, from: start + 3600, to: start + 3600 + 86_400, sign: 1),
            .init(tier: .hour, from: start, to: start + 3600, sign: 1),
            .init(tier: .hour, from: start + 86_400, to: start + 86_400 + 3600, sign: -1),
        ])
        // Unsigned, the same day tiles as hours only.
        #expect(RollupTier.cover(from: start, to: start + 86_400, signed: false).allSatisfy { $0.tier == .hour })
        // Without an hour tier, the hours either side are four quarter hours each.
        #expect(RollupTier.cover(from: start, to: start + 86_400, signed: true, tiers: RollupTier.perSKU) == [
            .init(tier: .day, from: start + 3600, to: start + 3600 + 86_400, sign: 1),
            .init(tier: .quarterHour, from: start, to: start + 3600, sign: 1),
            .init(tier: .quarterHour, from: start + 86_400, to: start + 86_400 + 3600, sign: -1),
        ])
    }
}
