import EventStore

/// The resolutions the analytics rollups are kept at, all in UTC: quarter hours, hours, days and
/// months. Each event counts once in each, so a report sums the fewest rows that cover its
/// period exactly: a year in Berlin is eleven months, some days, and an hour at either end;
/// a day in Kolkata is two quarter hours, hours, and a stretch of the next UTC day.
///
/// Every IANA zone in use since 1972 is a whole number of quarter hours from UTC, so every local
/// day, week and month starts on a quarter hour and the quarter-hour tier alone would be exact;
/// the coarser tiers only make it fast.
enum RollupTier: Int16, CaseIterable {
    case quarterHour = 0, hour = 1, day = 2, month = 3

    /// A covering range: the rows of `tier` whose buckets start in `from..<to` (seconds since 1970).
    struct Range: Equatable {
        let tier: RollupTier
        let from: Int64
        var to: Int64
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

    /// The fewest ranges of whole buckets that tile `from..<to`, coarsest first wherever a bucket
    /// fits. Both ends are quarter hours (see above); anything finer is cut to the quarter hour.
    static func cover(from: Int64, to: Int64) -> [Range] {
        var ranges: [Range] = []
        var cursor = quarterHour.start(from + 899)
        while cursor < to {
            guard let tier = [RollupTier.month, .day, .hour, .quarterHour].first(where: { $0.start(cursor) == cursor && $0.next(cursor) <= to }) else { break }
            let end = tier.next(cursor)
            if let last = ranges.last, last.tier == tier, last.to == cursor {
                ranges[ranges.count - 1].to = end
            } else {
                ranges.append(Range(tier: tier, from: cursor, to: end))
            }
            cursor = end
        }
        return ranges
    }
    private static func floor(_ value: Int64, _ divisor: Int64) -> Int64 {
        CivilCalendar.floorDivision(value, divisor) * divisor
    }
}
