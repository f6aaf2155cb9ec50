import Aggregates
import Application
import EventStore
import Foundation

/// A year of shopping in a catalog of 1,000 products, with structure planted in it, for judging
/// recommendations offline:
/// - customers in five segments, each buying mostly from two categories (60 % its own, 30 % a
///   second, 10 % anywhere), more popular products more often (Zipf-like within a category);
/// - bundles: pairs of products of a category bought together half the time one is bought;
/// - staples: each customer's one replenished product (any of their category's), in their first
///   order and in half the rest;
/// - a browsing session before each order: its products and one to three more of the segment's.
/// Each customer's last order, and the session before it, are held out (not stored): what the
/// lists are asked to predict (leave-last-order-out).
struct PlantedHistory {
    struct HeldOut {
        let customer: String
        let products: [String]
        let at: Date
        /// What a list that knew the planted structure would show: the customer's staple, then
        /// products by how likely a pick of the order is to be them (``plantedBest``).
        let plantedBest: [String]
    }

    private(set) var heldOut: [HeldOut] = []
    /// Orders per product in what was stored: the popularity baseline's ranking.
    private(set) var trainingOrders: [String: Int] = [:]
    private(set) var storedEvents = 0
    /// The products on sale (published, not discontinued) at the end of the catalog's making.
    private(set) var productsOnSale: [String] = []

    let customers: Int
    private var random = SplitMix64(seed: 12)

    init(customers: Int) {
        self.customers = customers
    }

    /// Makes the history and stores it in `store`; with none, only makes it (the held-out
    /// orders and the counts), for a store that holds it from an earlier run.
    mutating func load(into store: PostgresEventStore?, progress: (Int) -> Void) async throws {
        // Whole days, so that a later run makes the same history (to the second) as the one stored.
        let now = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
        let start = now.addingTimeInterval(-365 * 86_400)
        var history = SyntheticHistory(seed: 11, start: start)
        history.horizon = now
        var batch = try history.catalog(products: 1000)
        let onSale = history.products.filter(\.published)
        productsOnSale = onSale.map(\.id.rawValue)
        let categories = Array(Set(onSale.map { $0.categoryPath.joined(separator: "/") })).sorted()
        let byCategory = categories.map { category in onSale.filter { $0.categoryPath.joined(separator: "/") == category }.map(\.id) }
        // Bundles: the 1st and 2nd, 3rd and 4th… of the first 16 products of each category.
        var partner: [ProductID: ProductID] = [:]
        for products in byCategory {
            for index in stride(from: 0, to: min(16, products.count) - 1, by: 2) {
                partner[products[index]] = products[index + 1]
                partner[products[index + 1]] = products[index]
            }
        }

        struct Planned {
            let customer: Int
            let at: Date
            let products: [ProductID]
            let browsed: [ProductID]
            let last: Bool
            let plantedBest: [String]
        }
        var plans: [Planned] = []
        for customer in 0..<customers {
            let segment = customer % categories.count
            let affinity = [segment, (segment + 2) % categories.count]
            func pick() -> ProductID {
                let roll = random.next() % 10
                let category = roll < 6 ? affinity[0] : roll < 9 ? affinity[1] : Int(random.next() % UInt64(categories.count))
                return zipf(byCategory[category])
            }
            // Everyone replenishes something of their own: any product of their category.
            let staple = byCategory[affinity[0]][Int(random.next() % UInt64(byCategory[affinity[0]].count))]
            let best = Self.plantedBest(staple: staple, affinity: affinity, byCategory: byCategory, partner: partner)
            let count = 3 + Int(random.next() % 6)
            let times = (0..<count).map { _ in start.addingTimeInterval(Double(random.next() % (364 * 86_400))) }.sorted()
            for (index, time) in times.enumerated() {
                var products: [ProductID] = []
                for _ in 0..<(1 + Int(random.next() % 2)) {
                    let product = pick()
                    products.append(product)
                    if let other = partner[product], random.next() % 2 == 0 { products.append(other) }
                }
                if index == 0 || random.next() % 2 == 0 { products.append(staple) }
                var unique: [ProductID] = []
                for product in products where !unique.contains(product) { unique.append(product) }
                let browsed = unique + (0..<(1 + Int(random.next() % 3))).map { _ in pick() }
                plans.append(Planned(customer: customer, at: time, products: unique, browsed: browsed, last: index == count - 1, plantedBest: best))
            }
        }
        plans.sort { $0.at < $1.at }
        for plan in plans {
            let owner = CartOwner.customer(try CustomerID("customer-\(plan.customer)"))
            if plan.last {
                heldOut.append(HeldOut(customer: "customer-\(plan.customer)", products: plan.products.map(\.rawValue), at: plan.at, plantedBest: plan.plantedBest))
                continue
            }
            history.advance(to: plan.at.addingTimeInterval(-Double(plan.browsed.count + 1) * 60))
            batch.append(try history.browsing(by: owner, products: plan.browsed))
            history.advance(to: plan.at)
            batch += try history.order(by: owner, products: plan.products)
            for product in plan.products { trainingOrders[product.rawValue, default: 0] += 1 }
            if batch.count >= 600 {
                try await flush(&batch, into: store)
                progress(storedEvents)
            }
        }
        try await flush(&batch, into: store)
    }

    private mutating func flush(_ batch: inout [SyntheticHistory.Append], into store: PostgresEventStore?) async throws {
        guard let store else { return batch.removeAll(keepingCapacity: true) }
        // A few hundred streams per append keeps each under the store's limit on events per append.
        for start in stride(from: 0, to: batch.count, by: 300) {
            let appends = try SyntheticHistory.streamAppends(Array(batch[start..<min(batch.count, start + 300)]))
            _ = try await store.append(appends)
            storedEvents += appends.reduce(0) { $0 + $1.events.count }
        }
        batch.removeAll(keepingCapacity: true)
    }

    /// The ten products most likely in a customer's next order, by the rules the history was made
    /// with: the staple (in half the orders), then each product by the chance that one pick is
    /// it — its category's chance (60 % the first, 30 % the second, 10 % spread over all) times
    /// its Zipf weight in the category — plus half its bundle partner's chance. The ceiling
    /// for a list on this history, give or take the luck of the draw.
    static func plantedBest(staple: ProductID, affinity: [Int], byCategory: [[ProductID]], partner: [ProductID: ProductID]) -> [String] {
        var pick: [ProductID: Double] = [:]
        for (category, products) in byCategory.enumerated() {
            let share = (category == affinity[0] ? 0.6 : category == affinity[1] ? 0.3 : 0) + 0.1 / Double(byCategory.count)
            let total = products.indices.reduce(0.0) { $0 + 1 / Double($1 + 1) }
            for (index, product) in products.enumerated() { pick[product] = share / Double(index + 1) / total }
        }
        var chance: [(product: String, chance: Double)] = []
        for (product, own) in pick where product != staple {
            let bundled = partner[product].flatMap { pick[$0] } ?? 0
            chance.append((product.rawValue, own + 0.5 * bundled))
        }
        chance.sort { $0.chance != $1.chance ? $0.chance > $1.chance : $0.product < $1.product }
        return [staple.rawValue] + chance.prefix(9).map { $0.product }
    }

    /// A product of the list, the i-th with weight 1/(i+1).
    private mutating func zipf(_ products: [ProductID]) -> ProductID {
        let weights = products.indices.map { 1 / Double($0 + 1) }
        var roll = Double(random.next() % 1_000_000) / 1_000_000 * weights.reduce(0, +)
        for (index, weight) in weights.enumerated() {
            roll -= weight
            if roll <= 0 { return products[index] }
        }
        return products[products.count - 1]
    }
}
