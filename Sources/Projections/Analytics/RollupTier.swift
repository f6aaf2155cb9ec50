import EventStore

/// The resolutions the analytics rollups are kept at, all in UTC: quarter hours, hours, days and
/// months. Each event counts once in each, so a report sums the fewest rows that cover its
/// period exactly.
///
/// Every IANA zone in use since 1972 is a whole number of quarter hours from UTC, so every local
/// day, week and month starts on a quarter hour and the quarter-hour tier alone would be exact;
/// the coarser tiers only make it fast. Every figure in the rollups is a sum, so a cover may also
/// take rows away: a day in Berlin is the UTC day plus the hour before it less its own last
/// hour — three rows rather than twenty-four.
///
/// A table may leave a coarser tier out when it would aggregate almost nothing: per SKU, sales
/// are sparse enough that an hour holds one quarter hour's row nearly every time (104,511 hour
/// rows against 104,984 quarter-hour ones in the bench's year), so `analytics_sku_sales` keeps
/// no hour tier and a cover reads its quarter hours instead, about as many rows.
enum RollupTier: Int16, CaseIterable {
    case quarterHour = 0, hour = 1, day = 2, month = 3

    /// The tiers of `analytics_sales` and `analytics_funnel`.
    static let all: [RollupTier] = [.quarterHour, .hour, .day, .month]
    /// The tiers of `analytics_sku_sales` (see above).
    static let perSKU: [RollupTier] = [.quarterHour, .day, .month]

    /// A covering range: the rows of `tier` whose buckets start in `from..<to` (seconds since
    /// 1970), added (`sign` 1) or taken away (-1).
    struct Range: Equatable {
        let tier: RollupTier
        let from: Int64
        var to: Int64
        let sign: Int32
    }

    /// The start of the bucket holding `seconds`.
    func start(_ seconds: Int64) -> Int64 {
        switch self {
        case .quarterHour: return Self.floor(seconds, 900)
        case .hour: return Self.floor(seconds, 3600)
        case .day: return Self.floor(seconds, 86_400)
        case .month:
            let (year, month, _) = CivilCalendar.date(fromDays: Self.floor(seconds, 86_400) / 86_400)
            return CivilCalendar.days(year: year, month: month, day: 1) * 86_400
        }
    }

    /// The start of the next bucket after the one starting at `start`.
    func next(_ start: Int64) -> Int64 {
        switch self {
        case .quarterHour: return start + 900
        case .hour: return start + 3600
        case .day: return start + 86_400
        case .month:
            let (year, month, _) = CivilCalendar.date(fromDays: start / 86_400)
            return (month == 12 ? CivilCalendar.days(year: year + 1, month: 1, day: 1) : CivilCalendar.days(year: year, month: month + 1, day: 1)) * 86_400
        }
    }

    /// The boundary of this tier nearest to `seconds` (the earlier one on a tie).
    func nearest(_ seconds: Int64) -> Int64 {
        let before = start(seconds)
        guard before != seconds else { return seconds }
        let after = next(before)
        return seconds - before <= after - seconds ? before : after
    }

    /// The first boundary of this tier at or after `seconds`.
    func ceiling(_ seconds: Int64) -> Int64 {
        let before = start(seconds)
        return before == seconds ? seconds : next(before)
    }

    /// The shortest bucket of the tier: a range at least this long is worth rounding to it.
    private var shortestBucket: Int64 {
        switch self {
        case .quarterHour: 900
        case .hour: 3600
        case .day: 86_400
        case .month: 28 * 86_400
        }
    }

    /// Ranges of whole buckets whose sum is exactly `from..<to`, coarsest first. Ends finer than
    /// a quarter hour are cut to it (see above).
    ///
    /// Unsigned, the ranges tile the period: whole buckets of the coarsest tier that fit
    /// inside, then finer ones towards either end. Signed, the coarsest tier's stretch runs
    /// between its boundaries *nearest* to either end, and finer tiers add what it falls short
    /// of and take away where it overshoots: fewer rows, but rows from outside the period
    /// count, cancelled — right for sums, not for asking which keys had activity.
    /// `tiers` are those the table keeps; the quarter hour must be among them.
    static func cover(from: Int64, to: Int64, signed: Bool, tiers: [RollupTier] = all) -> [Range] {
        precondition(tiers.contains(.quarterHour), "every rollup table keeps quarter hours")
        let start = quarterHour.start(from + 899)
        let end = quarterHour.start(to)
        guard start < end else { return [] }
        var ranges: [Range] = []
        cover(start, end, sign: 1, nearest: signed, tiers: ArraySlice(tiers.sorted { $0.rawValue > $1.rawValue }), into: &ranges)
        // Joined where one tier's ranges of one sign meet.
        var joined: [Range] = []
        for range in ranges.sorted(by: { (-$0.tier.rawValue, -$0.sign, $0.from) < (-$1.tier.rawValue, -$1.sign, $1.from) }) {
            if let last = joined.last, last.tier == range.tier, last.sign == range.sign, last.to == range.from {
                joined[joined.count - 1].to = range.to
            } else {
                joined.append(range)
            }
        }
        return joined
    }

    private static func cover(_ from: Int64, _ to: Int64, sign: Int32, nearest: Bool, tiers: ArraySlice<RollupTier>, into ranges: inout [Range]) {
        if from == to { return }
        if from > to { return cover(to, from, sign: -sign, nearest: nearest, tiers: tiers, into: &ranges) }
        for (offset, tier) in zip(tiers.indices, tiers) where tier == .quarterHour || to - from >= tier.shortestBucket {
            let (start, end) = nearest ? (tier.nearest(from), tier.nearest(to)) : (tier.ceiling(from), tier.start(to))
            guard start < end else { continue }
            ranges.append(Range(tier: tier, from: start, to: end, sign: sign))
            // What is left at either end is under a bucket of this tier (half a bucket when
            // rounding to the nearest): finer tiers cover it.
            let finer = tiers[(offset + 1)...]
            cover(from, start, sign: sign, nearest: nearest, tiers: finer, into: &ranges)
            cover(end, to, sign: sign, nearest: nearest, tiers: finer, into: &ranges)
            return
        }
    }

    private static func floor(_ value: Int64, _ divisor: Int64) -> Int64 {
        CivilCalendar.floorDivision(value, divisor) * divisor
    }
}
