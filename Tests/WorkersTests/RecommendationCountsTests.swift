import EventStore
import Foundation
@testable import Projections
import Testing

/// The recommendations builder's increments, counted as a dictionary would count them.
struct RecommendationCountsTests {
    @Test func pairCountsCountEachPairOnceInTheOrderOfItsIds() {
        var names = InternedNames()
        let products = ["p-9", "p-10", "p-1", "a-2"].map { names.number($0) }
        var counts = PairCounts()
        var expected: [String: Int64] = [:]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let (product, other) = (products.randomElement(using: &generator)!, products.randomElement(using: &generator)!)
            counts.add(product, other)
            expected["\(names[product])|\(names[other])", default: 0] += 1
        }
        let ranks = names.ranks()
        let counted = counts.take(ranks: ranks)
        #expect(Dictionary(uniqueKeysWithValues: counted.map { ("\(names[$0.product])|\(names[$0.other])", $0.count) }) == expected)
        #expect(counted.map { [names[$0.product], names[$0.other]] } == counted.map { [names[$0.product], names[$0.other]] }.sorted { $0.lexicographicallyPrecedes($1) })
        #expect(counted.allSatisfy { $0.rank == UInt64(ranks[Int($0.product)]) << 32 | UInt64(ranks[Int($0.other)]) })
        #expect(counts.take(ranks: ranks).isEmpty)
    }

    @Test func hourCountsMergeOrdersAndViewsOfTheSameHour() {
        var counts = HourCounts()
        struct Key: Hashable { let product: Int32, hour: Int64 }
        var expected: [Key: (orders: Int64, views: Int64)] = [:]
        // Hours before 1970 too (negative), and products with orders only, views only, or both.
        let hours: [Int64] = [-17_000_000, -1, 0, 1, 491_000, 70_000_000]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1000 {
            let key = Key(product: Int32.random(in: 0..<5, using: &generator), hour: hours.randomElement(using: &generator)!)
            if key.product == 0 || (key.product != 1 && Bool.random(using: &generator)) {
                counts.addOrder(of: key.product, hour: key.hour)
                expected[key, default: (0, 0)].orders += 1
            } else {
                counts.addView(of: key.product, hour: key.hour)
                expected[key, default: (0, 0)].views += 1
            }
        }
        let counted = counts.take()
        #expect(counted.count == expected.count)
        for row in counted {
            let want = expected[Key(product: row.product, hour: row.hour)]
            #expect(want?.orders == row.orders && want?.views == row.views, "product \(row.product) hour \(row.hour)")
        }
        #expect(counts.take().isEmpty)
    }

    @Test func numberedRowsChangeInPlaceAndReportEachChangedRowOnce() {
        var rows = NumberedRows<[Int]>()
        rows.load([7], at: 5)
        #expect(rows[5] == [7])
        #expect(rows[2] == nil && rows[1000] == nil)
        #expect(rows.takeChanged().isEmpty)
        rows.update(5, default: []) { $0.append(8) }
        rows.update(900, default: [1]) { $0.append(2) }
        rows.update(5, default: []) { $0.append(9) }
        let changed = rows.takeChanged()
        #expect(changed.map(\.number) == [5, 900])
        #expect(changed.map(\.row) == [[7, 8, 9], [1, 2]])
        #expect(rows.takeChanged().isEmpty)
        rows.update(900, default: []) { $0.removeAll() }
        #expect(rows.takeChanged().map(\.number) == [900])
    }

    @Test func foldingWhileDecodingAheadFoldsEveryEventOnceInOrder() async throws {
        let events = try (1...97).map { index in
            try RecordedEvent.sample(type: "T", version: 1, json: "{\"n\":\(index)}", stream: "s-\(index % 7)", position: Int64(index))
        }
        // Parts of 5: the pipelined path with several parts decoding ahead; parts of 500: one page.
        for part in [5, 500] {
            var folded: [(Int64, Int64?)] = []
            await foldDecodingAhead(events, part: part, decode: { event in event.position % 3 == 0 ? nil : event.position * 10 }) { event, decoded in
                folded.append((event.position, decoded))
            }
            let expected: [Int64?] = (1...97).map { (position: Int64) -> Int64? in position % 3 == 0 ? nil : position * 10 }
            let positions: [Int64] = folded.map(\.0)
            let values: [Int64?] = folded.map(\.1)
            #expect(positions == Array(1...97))
            #expect(values == expected)
        }
    }
}
