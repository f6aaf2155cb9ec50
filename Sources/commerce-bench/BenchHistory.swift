import Aggregates
import Application
import EventStore
import Foundation
import Logging
import PostgresNIO
import Runtime

/// A year (longer if needed) of days of a busy shop, until `events` events are stored: the
/// history the analytics and audit benchmarks measure. Shoppers browse too (a session of one to
/// four product views per order), which analytics counts as views.
func loadBenchHistory(_ store: PostgresEventStore, events: Int) async throws -> (events: Int, days: Int) {
    let clock = ContinuousClock()
    let started = clock.now
    let now = Date()
    // About 2,800 events a day of carts and orders and 425 product views (two and a half a
    // session) reach a million in a year.
    let perDay = 2_800 + 170 * 5 / 2
    let days = max(365, events / perDay + 1)
    let today = (now.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400
    var history = SyntheticHistory(seed: 7, start: Date(timeIntervalSince1970: today - Double(days - 1) * 86_400))
    history.customers = 20_000
    history.horizon = now
    var total = 0
    var batch = try history.catalog(products: 200)
    for day in 0..<days {
        let made = try history.day(starting: Date(timeIntervalSince1970: today - Double(days - 1 - day) * 86_400), orders: 170, browsingSessions: 170)
        batch += made.appends
        if batch.count >= 600 || (day == days - 1 && !batch.isEmpty) {
            let appends = try SyntheticHistory.streamAppends(batch)
            _ = try await store.append(appends)
            total += appends.reduce(0) { $0 + $1.events.count }
            batch.removeAll(keepingCapacity: true)
        }
    }
    print("loaded in \(Int((clock.now - started).inSeconds)) s")
    return (total, days)
}

/// Runs `body` on a store holding the benchmark history: in `database` when given (loaded
/// there the first time, kept for later runs), else in a throwaway database.
func withBenchHistory(
    database: String?, events: Int, connections: Int, settings: Settings, logger: Logger,
    _ body: @escaping (PostgresEventStore, DatabaseURL) async throws -> Void
) async throws {
    let run = { (url: DatabaseURL) in
        try await PostgresClient.withClient(url, maximumConnections: connections, logger: logger) { client in
            let store = PostgresEventStore(client: client, logger: logger)
            let head = try await store.frontierStatus().headPosition
            if head == 0 {
                let (total, days) = try await loadBenchHistory(store, events: events)
                print("history: \(total) events over \(days) days")
            } else {
                print("history: \(head) events, kept from an earlier run in \(database ?? "")")
            }
            try await body(store, url)
        }
    }
    if let database {
        try await withKeptBenchDatabase(database, settings: settings, logger: logger, run)
    } else {
        try await withBenchDatabase(settings: settings, logger: logger, run)
    }
}
