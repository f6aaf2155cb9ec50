@testable import Projections
import Testing

struct InternedNamesTests {
    @Test func ranksOrderNumbersAsTheirNamesSort() {
        var names = InternedNames()
        // Numbered in the order first seen, which is not name order (and "p-10" < "p-9" as text).
        let seen = ["p-9", "p-10", "c", "p-1", "a-2", "B", "p-100", "a-10"]
        let numbers = seen.map { names.number($0) }
        let ranks = names.ranks()
        #expect(ranks.count == seen.count)
        let byRank = numbers.sorted { ranks[Int($0)] < ranks[Int($1)] }.map { names[$0] }
        #expect(byRank == seen.sorted())
        #expect(Set(ranks) == Set((0..<UInt32(seen.count)).map { $0 }))
    }
}
