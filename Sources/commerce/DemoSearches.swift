import Aggregates
import Application
import EventStore
import Foundation
import Logging
import PostgresNIO

/// Searches by a handful of guest shoppers, so that a fresh `scripts/run` shows search
/// analytics: texts typed by three searchers or more (shown), one that finds nothing, one typed
/// by a single shopper (withheld), and filters. Stored as the API stores them: the text sealed
/// with each shopper's key, counted by the shop's digest.
enum DemoSearches {
    /// (text, first page's result count, filters, how many of the shoppers typed it)
    static let searches: [(text: String, results: Int, filters: [String], shoppers: Int)] = [
        ("tee", 2, [], 4), ("mug", 1, ["inStock"], 3), ("hoodie", 1, ["brand:Fjell"], 3),
        ("umbrella", 0, [], 3), ("Ada Lovelace", 0, [], 1), ("", 3, ["category:Apparel/Shirts", "size:M"], 2),
    ]

    /// - Returns: the searches written; none when they were written before.
    static func load(postgres: PostgresClient, logger: Logger, now: Date) async throws -> Int {
        let store = PostgresEventStore(client: postgres, logger: logger)
        let shoppers = (1...4).map { CartOwner.guest("demo-shopper-\($0)") }
        guard try await store.version(of: try StreamName(Activity.streamName(for: shoppers[0]))) == 0 else { return 0 }
        let digester = SearchDigester(client: postgres, logger: logger)
        var pending: [ActivityAppends.Pending] = []
        for (index, search) in searches.enumerated() {
            for shopper in shoppers.prefix(search.shoppers) {
                let event = SearchPerformed(
                    viewer: shopper, query: search.text, category: [], resultCount: search.results,
                    queryDigest: try await digester.digest(search.text), filters: search.filters
                )
                pending.append(ActivityAppends.Pending(event: .searchPerformed(event), at: now.addingTimeInterval(Double(index * 60 - 3600))))
            }
        }
        let repository = AggregateRepository(store: store)
        _ = try await repository.append(try ActivityAppends.appends(pending))
        return pending.count
    }
}
