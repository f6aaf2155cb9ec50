import Aggregates
import Application
import EventStore
import Foundation
import Logging
import PostgresNIO
import Workers

/// A shop's past for the reports and the dashboard (`commerce seed --history`): a synthetic
/// catalog, then `days` days up to now of orders from `customers` signed-in customers (and some
/// guests) taking every path — paid, shipped, delivered, returned and refunded in part,
/// declined — carts left with lines or empty, and browsing sessions, growing over the period and
/// busier at weekends. Every event carries its time in that past as its business time.
///
/// The history is whole: what the process managers would have done (stock released, committed)
/// is in it, so they are moved past it. It is written only into a store whose process managers
/// have handled everything before it, and only once (its catalog marks it).
enum DemoHistory {
    struct Options {
        var customers = 500
        var days = 90
        var seed: UInt64 = 1
    }

    enum Outcome {
        case loaded(events: Int, orders: Int)
        case present
        /// Process managers are behind: settling them past the history would skip their events.
        case processesBehind([String: Int64], head: Int64)
    }

    static let marker = "product-synthetic-0"

    static func load(into store: PostgresEventStore, options: Options, now: Date, logger: Logger) async throws -> Outcome {
        guard try await store.version(of: try StreamName(marker)) == 0 else { return .present }
        let protection = PersonalDataProtection(store: store)
        let head = try await store.frontierStatus().headPosition
        let checkpoints = try await LifecycleWorkers.checkpoints(store: store)
        if head > 0, checkpoints.values.contains(where: { $0 < head }) { return .processesBehind(checkpoints.filter { $0.value < head }, head: head) }

        let today = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
        let start = today.addingTimeInterval(-Double(options.days - 1) * 86_400)
        var history = SyntheticHistory(seed: options.seed, start: start)
        history.customers = max(1, options.customers)
        history.horizon = now
        var batch = try history.catalog(products: 24)
        var events = 0
        var orders = 0
        func flush() async throws {
            guard !batch.isEmpty else { return }
            let appends = try SyntheticHistory.streamAppends(batch)
            try await store.append(try await protection.seal(appends))
            events += appends.reduce(0) { $0 + $1.events.count }
            batch.removeAll(keepingCapacity: true)
        }
        try await flush()
        let weekday = Calendar(identifier: .gregorian)
        for day in 0..<options.days {
            let dayStart = start.addingTimeInterval(Double(day) * 86_400)
            // About one order per 20 customers a day, growing by half over the period; weekends busier.
            let growth = 0.75 + 0.5 * Double(day) / Double(max(1, options.days - 1))
            let weekend = [1, 7].contains(weekday.component(.weekday, from: dayStart)) ? 1.3 : 1.0
            let base = Double(history.customers) / 20 * growth * weekend
            let made = try history.day(starting: dayStart, orders: Int(base) + history.random(below: max(1, Int(base / 3))))
            batch += made.appends
            orders += made.orders
            // Browsing sessions, for the recommendations' co-views and trend: about half as many as orders.
            for _ in 0..<(Int(base) / 2) { batch.append(try history.browsing()) }
            if batch.count >= 400 { try await flush() }
        }
        try await flush()
        try await LifecycleWorkers.settle(through: try await store.frontierStatus().headPosition, store: store)
        logger.info("demo history loaded", metadata: ["events": "\(events)", "orders": "\(orders)", "days": "\(options.days)"])
        return .loaded(events: events, orders: orders)
    }
}
