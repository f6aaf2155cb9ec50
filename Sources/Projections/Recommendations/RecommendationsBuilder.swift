import Aggregates
import EventStore
import Foundation
import Logging
import PostgresNIO

/// Folds placed orders and product views into the recommendation counts.
///
/// Pair counts and hourly counts only ever grow, so they are kept as increments and added on
/// write (a rebuild's increments are the totals). Rows that need their current value to change —
/// a product's buyer counts, a customer's products, a shopper's session — are read first, folded
/// and written back whole. Every value is a whole count, so the projector's batches, whatever
/// order its topics arrive in, and a rebuild reach the same rows exactly.
final class RecommendationsBuilder: TableWritingBuilder {
    /// Views further apart than this start a new browsing session.
    static let sessionGap: TimeInterval = 30 * 60
    /// A session's first this many products pair up; later ones only count as viewed.
    static let sessionProductLimit = 50

    struct ProductRow: Equatable {
        var orders: Int64 = 0
        var units: Int64 = 0
        var buyers: Int64 = 0
        var repeatBuyers: Int64 = 0
        var viewSessions: Int64 = 0
    }

    struct Hour: Hashable {
        let product: Int32
        /// Whole hours since 1970 (business time).
        let hour: Int64
    }

    struct CustomerProduct: Equatable {
        var orders: Int32 = 0
        var units: Int32 = 0
        var lastOrderedAt: Date?
        var views: Int32 = 0
        var lastViewedAt: Date?
    }

    struct Session: Equatable {
        var startedAt: Date
        var lastAt: Date
        var products: [Int32]
    }

    struct Pair: Hashable {
        let product: Int32
        let other: Int32
    }

    struct CustomerKey: Hashable {
        let customer: Int32
        let product: Int32
    }

    /// A ``CustomerKey`` by ids, as a live batch's events and the tables name it.
    private struct CustomerProductIDs: Hashable {
        let customer: String
        let product: String
    }

    private let projection: String
    private let ignoring: Set<String>
    // Products, customers and viewers are keyed by their numbers in these.
    private var productNames = InternedNames()
    private var customerNames = InternedNames()
    private var viewerNames = InternedNames()
    private var products: [Int32: ProductRow] = [:]
    private var changedProducts: Set<Int32> = []
    private var customerProducts: [CustomerKey: CustomerProduct] = [:]
    private var changedCustomerProducts: Set<CustomerKey> = []
    private var sessions: [Int32: Session] = [:]
    private var changedSessions: Set<Int32> = []
    private var coPurchases: [Pair: Int64] = [:]
    private var coViews: [Pair: Int64] = [:]
    /// Orders per signed-in customer, as increments.
    private var customerOrders: [Int32: Int64] = [:]
    /// Orders and views per product and hour, as increments.
    private var hours: [Hour: (orders: Int64, views: Int64)] = [:]
    private let streamVersions = StreamVersions()
    var recordsStreamVersions: Bool {
        get { streamVersions.enabled }
        set { streamVersions.enabled = newValue }
    }
    var writesIntoEmptyTables = false
    private let hold = StreamHold()

    init(projection: String, ignoring: Set<String>) {
        self.projection = projection
        self.ignoring = ignoring
    }

    func add(_ events: [RecordedEvent], loadingFrom connection: PostgresConnection?, logger: Logger) async throws -> [ParkedEvent] {
        let ignoring = self.ignoring
        let outcomes = await decodeConcurrently(events) { RecommendationFact.decode($0, ignoring: ignoring) }
        if let connection {
            try await load(outcomes.compactMap { try? $0?.get() }, from: connection, logger: logger)
        }
        for (event, outcome) in zip(events, outcomes) {
            guard let outcome, let value = hold.admit(event, outcome) else { continue }
            streamVersions.record(event)
            switch value {
            case .placed(let customer, let lines):
                foldOrder(by: customer.map { customerNames.number($0) }, lines, at: event.occurredAt)
            case .viewed(let viewer, let customer, let product):
                foldView(of: productNames.number(product), by: viewerNames.number(viewer), customer: customer.map { customerNames.number($0) }, at: event.occurredAt)
            case .ignored: break
            }
        }
        return hold.drain()
    }

    private func foldOrder(by customer: Int32?, _ lines: [RecommendationFact.Line], at time: Date) {
        // Units per product, in the order's line order (a product may fill several lines).
        var units: [(product: Int32, quantity: Int64)] = []
        for line in lines {
            let product = productNames.number(line.product)
            if let index = units.firstIndex(where: { $0.product == product }) {
                units[index].quantity += line.quantity
            } else {
                units.append((product, line.quantity))
            }
        }
        if let customer { customerOrders[customer, default: 0] += 1 }
        for (product, quantity) in units {
            var row = products[product] ?? ProductRow()
            row.orders += 1
            row.units += quantity
            hours[Hour(product: product, hour: Self.hour(of: time)), default: (0, 0)].orders += 1
            if let customer {
                let key = CustomerKey(customer: customer, product: product)
                var mine = customerProducts[key] ?? CustomerProduct()
                if mine.orders == 0 { row.buyers += 1 }
                if mine.orders == 1 { row.repeatBuyers += 1 }
                mine.orders += 1
                mine.units += Int32(clamping: quantity)
                mine.lastOrderedAt = max(mine.lastOrderedAt ?? time, time)
                customerProducts[key] = mine
                changedCustomerProducts.insert(key)
            }
            products[product] = row
            changedProducts.insert(product)
            for (other, _) in units where other != product {
                coPurchases[Pair(product: product, other: other), default: 0] += 1
            }
        }
    }

    private func foldView(of product: Int32, by viewer: Int32, customer: Int32?, at time: Date) {
        var session = sessions[viewer].flatMap { time.timeIntervalSince($0.lastAt) <= Self.sessionGap ? $0 : nil }
            ?? Session(startedAt: time, lastAt: time, products: [])
        var row = products[product] ?? ProductRow()
        if !session.products.contains(product) {
            row.viewSessions += 1
            if session.products.count < Self.sessionProductLimit {
                for other in session.products {
                    coViews[Pair(product: product, other: other), default: 0] += 1
                    coViews[Pair(product: other, other: product), default: 0] += 1
                }
                session.products.append(product)
            }
        }
        session.lastAt = max(session.lastAt, time)
        sessions[viewer] = session
        changedSessions.insert(viewer)
        hours[Hour(product: product, hour: Self.hour(of: time)), default: (0, 0)].views += 1
        products[product] = row
        changedProducts.insert(product)
        if let customer {
            let key = CustomerKey(customer: customer, product: product)
            var mine = customerProducts[key] ?? CustomerProduct()
            mine.views += 1
            mine.lastViewedAt = max(mine.lastViewedAt ?? time, time)
            customerProducts[key] = mine
            changedCustomerProducts.insert(key)
        }
    }

    /// Reads the rows a live batch folds onto and that are not in memory yet.
    private func load(_ facts: [RecommendationFact], from connection: PostgresConnection, logger: Logger) async throws {
        var productIDs: Set<String> = []
        var keys: Set<CustomerProductIDs> = []
        var viewers: Set<String> = []
        for fact in facts {
            switch fact {
            case .placed(let customer, let lines):
                for line in lines {
                    productIDs.insert(line.product)
                    if let customer { keys.insert(CustomerProductIDs(customer: customer, product: line.product)) }
                }
            case .viewed(let viewer, let customer, let product):
                productIDs.insert(product)
                viewers.insert(viewer)
                if let customer { keys.insert(CustomerProductIDs(customer: customer, product: product)) }
            case .ignored:
                break
            }
        }
        let wantedProducts = productIDs.filter { id in productNames.existingNumber(id).flatMap { products[$0] } == nil }
        if !wantedProducts.isEmpty {
            let rows = try await connection.query(
                """
                SELECT product_id, orders, units, buyers, repeat_buyers, view_sessions
                FROM rec_products WHERE product_id = ANY(\(Array(wantedProducts)))
                """,
                logger: logger
            )
            for try await (id, orders, units, buyers, repeatBuyers, sessions) in rows.decode((String, Int64, Int64, Int64, Int64, Int64).self) {
                products[productNames.number(id)] = ProductRow(orders: orders, units: units, buyers: buyers, repeatBuyers: repeatBuyers, viewSessions: sessions)
            }
        }
        let wantedKeys = Array(keys.filter { key in
            guard let customer = customerNames.existingNumber(key.customer), let product = productNames.existingNumber(key.product) else { return true }
            return customerProducts[CustomerKey(customer: customer, product: product)] == nil
        })
        if !wantedKeys.isEmpty {
            let rows = try await connection.query(
                """
                SELECT c.customer_id, c.product_id, c.orders, c.units, c.last_ordered_at, c.views, c.last_viewed_at
                FROM rec_customer_products c JOIN unnest(\(wantedKeys.map(\.customer))::text[], \(wantedKeys.map(\.product))::text[]) AS k(customer_id, product_id)
                  ON c.customer_id = k.customer_id AND c.product_id = k.product_id
                """,
                logger: logger
            )
            for try await (customer, product, orders, units, lastOrdered, views, lastViewed) in rows.decode((String, String, Int32, Int32, Date?, Int32, Date?).self) {
                customerProducts[CustomerKey(customer: customerNames.number(customer), product: productNames.number(product))] = CustomerProduct(
                    orders: orders, units: units, lastOrderedAt: lastOrdered, views: views, lastViewedAt: lastViewed
                )
            }
        }
        let wantedViewers = viewers.filter { viewer in viewerNames.existingNumber(viewer).flatMap { sessions[$0] } == nil }
        if !wantedViewers.isEmpty {
            let rows = try await connection.query(
                "SELECT viewer, started_at, last_at, products FROM rec_view_sessions WHERE viewer = ANY(\(Array(wantedViewers)))",
                logger: logger
            )
            for try await (viewer, started, last, viewed) in rows.decode((String, Date, Date, [String]).self) {
                sessions[viewerNames.number(viewer)] = Session(startedAt: started, lastAt: last, products: viewed.map { productNames.number($0) })
            }
        }
    }

    /// The changed rows, named again, for the writer; the increments are forgotten.
    func takeWrites(logger: Logger) -> TableWrites {
        let productRanks = productNames.ranks()
        let customerRanks = changedCustomerProducts.isEmpty ? [] : customerNames.ranks()
        func pairRank(_ pair: Pair) -> UInt64 { UInt64(productRanks[Int(pair.product)]) << 32 | UInt64(productRanks[Int(pair.other)]) }
        var writes = RecommendationsWriter(logger: logger, copying: writesIntoEmptyTables).writes(
            products: changedProducts.compactMap { number in products[number].map { (productNames[number], $0) } },
            hours: hours.map { (productNames[$0.key.product], $0.key.hour, $0.value.orders, $0.value.views, productRanks[Int($0.key.product)]) },
            coPurchases: coPurchases.map { (productNames[$0.key.product], productNames[$0.key.other], $0.value, pairRank($0.key)) },
            coViews: coViews.map { (productNames[$0.key.product], productNames[$0.key.other], $0.value, pairRank($0.key)) },
            customerOrders: customerOrders.map { (customerNames[$0.key], $0.value) },
            customerProducts: changedCustomerProducts.compactMap { key in
                customerProducts[key].map {
                    let rank = UInt64(customerRanks[Int(key.customer)]) << 32 | UInt64(productRanks[Int(key.product)])
                    return (customerNames[key.customer], productNames[key.product], $0, rank)
                }
            },
            sessions: changedSessions.compactMap { viewer in
                sessions[viewer].map { (viewerNames[viewer], $0.startedAt, $0.lastAt, $0.products.map { productNames[$0] }) }
            }
        )
        writesIntoEmptyTables = false
        changedProducts.removeAll(keepingCapacity: true)
        changedCustomerProducts.removeAll(keepingCapacity: true)
        changedSessions.removeAll(keepingCapacity: true)
        coPurchases.removeAll(keepingCapacity: true)
        coViews.removeAll(keepingCapacity: true)
        customerOrders.removeAll(keepingCapacity: true)
        hours.removeAll(keepingCapacity: true)
        let (versions, projection) = (streamVersions.take(), projection)
        writes.add("projection_stream_versions") { try await StreamVersions.write(versions, projection: projection, on: $0, logger: logger) }
        return writes
    }

    /// The whole hours since 1970 that `time` falls in.
    static func hour(of time: Date) -> Int64 {
        Int64((time.timeIntervalSince1970 / 3600).rounded(.down))
    }
}
