/// Pair counts as increments to add onto the tables: each time two products come together, one
/// entry in a flat list, counted when written.
///
/// Most pairs of a rebuild are seen once or twice, so a dictionary of counts was nearly as big as
/// the list and far slower to fill: in the order-heavy rebuild of `commerce-bench projection`
/// growing and probing it was over half of the fold. Counting a sorted list of integers is one
/// sort, which the writer needs anyway (rows go in in key order).
struct PairCounts {
    /// `product << 32 | other`, by their ``InternedNames`` numbers.
    private var entries: [UInt64] = []

    mutating func add(_ product: Int32, _ other: Int32) {
        entries.append(UInt64(UInt32(bitPattern: product)) << 32 | UInt64(UInt32(bitPattern: other)))
    }

    /// Each pair once with how often it was added, in the order of its ids (`ranks`, from
    /// ``InternedNames/ranks()``); the increments are forgotten.
    mutating func take(ranks: [UInt32]) -> [(product: Int32, other: Int32, count: Int64, rank: UInt64)] {
        defer { entries.removeAll(keepingCapacity: true) }
        return counted(ranks: ranks)
    }

    /// Each pair once with how often it was added, in the order of its ids; the increments stay.
    func counted(ranks: [UInt32]) -> [(product: Int32, other: Int32, count: Int64, rank: UInt64)] {
        guard !entries.isEmpty else { return [] }
        var numberOfRank = [Int32](repeating: 0, count: ranks.count)
        for (number, rank) in ranks.enumerated() { numberOfRank[Int(rank)] = Int32(number) }
        var ranked = entries.map { UInt64(ranks[Int($0 >> 32)]) << 32 | UInt64(ranks[Int($0 & 0xFFFF_FFFF)]) }
        ranked.sort()
        var counted: [(product: Int32, other: Int32, count: Int64, rank: UInt64)] = []
        var index = 0
        while index < ranked.count {
            let rank = ranked[index]
            var end = index + 1
            while end < ranked.count, ranked[end] == rank { end += 1 }
            counted.append((numberOfRank[Int(rank >> 32)], numberOfRank[Int(rank & 0xFFFF_FFFF)], Int64(end - index), rank))
            index = end
        }
        return counted
    }
}
