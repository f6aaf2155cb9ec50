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

    struct CustomerProduct: Equatable {
        var orders: Int32 = 0
        var units: Int32 = 0
        var lastOrderedAt: Date?
        var views: Int32 = 0
        var lastViewedAt: Date?

        /// Counts an order of `quantity` at `time`; returns the orders of it before this one.
        mutating func record(orderOf quantity: Int64, at time: Date) -> Int32 {
            defer {
                orders += 1
                units += Int32(clamping: quantity)
                lastOrderedAt = max(lastOrderedAt ?? time, time)
            }
            return orders
        }

        mutating func recordView(at time: Date) {
            views += 1
            lastViewedAt = max(lastViewedAt ?? time, time)
        }
    }

    struct Session: Equatable {
        var startedAt: Date
        var lastAt: Date
        var products: [Int32]
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
    private var products = NumberedRows<ProductRow>()
    private var customerProducts: [CustomerKey: CustomerProduct] = [:]
    private var changedCustomerProducts: Set<CustomerKey> = []
    /// Each viewer's current session.
    private var sessions = NumberedRows<Session>()
    private var coPurchases = PairCounts()
    private var coViews = PairCounts()
    /// Orders per signed-in customer, as increments.
    private var customerOrders: [Int32: Int64] = [:]
    /// Orders and views per product and hour, as increments.
    private var hours = HourCounts()
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
        // Each event's time is read from its metadata with its fact, off the folding thread.
        let decode: @Sendable (RecordedEvent) -> Result<(fact: RecommendationFact, time: Date), DomainError>? = { event in
            RecommendationFact.decode(event, ignoring: ignoring).map { fact in (fact: fact, time: event.occurredAt) }
        }
        try await decodeAndFold(events, loadingFrom: connection, decode: decode) { outcomes, connection in
            try await load(outcomes.compactMap { try? $0?.get().fact }, from: connection, logger: logger)
        } fold: { fold($0, $1) }
        return hold.drain()
    }

    private func fold(_ event: RecordedEvent, _ outcome: Result<(fact: RecommendationFact, time: Date), DomainError>?) {
        guard let outcome, let (fact, time) = hold.admit(event, outcome) else { return }
        streamVersions.record(event)
        switch fact {
        case .placed(let customer, let lines):
            foldOrder(by: customer.map { customerNames.number($0) }, lines, at: time)
        case .viewed(let viewer, let customer, let product):
            foldView(of: productNames.number(product), by: viewerNames.number(viewer), customer: customer.map { customerNames.number($0) }, at: time)
        case .ignored: break
        }
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
        let hour = Self.hour(of: time)
        for (product, quantity) in units {
            // The customer's orders of it before this one: the first makes them a buyer, the
            // second a repeat buyer.
            var before: Int32?
            if let customer {
                let key = CustomerKey(customer: customer, product: product)
                before = customerProducts[key, default: CustomerProduct()].record(orderOf: quantity, at: time)
                changedCustomerProducts.insert(key)
            }
            products.update(product, default: ProductRow()) { row in
                row.orders += 1
                row.units += quantity
                if before == 0 { row.buyers += 1 }
                if before == 1 { row.repeatBuyers += 1 }
            }
            hours.addOrder(of: product, hour: hour)
            for (other, _) in units where other != product {
                coPurchases.add(product, other)
            }
        }
    }

    private func foldView(of product: Int32, by viewer: Int32, customer: Int32?, at time: Date) {
        let newInSession = sessions.update(viewer, default: Session(startedAt: time, lastAt: time, products: [])) { session in
            if time.timeIntervalSince(session.lastAt) > Self.sessionGap {
                session = Session(startedAt: time, lastAt: time, products: [])
            }
            session.lastAt = max(session.lastAt, time)
            guard !session.products.contains(product) else { return false }
            if session.products.count < Self.sessionProductLimit {
                for other in session.products {
                    coViews.add(product, other)
                    coViews.add(other, product)
                }
                session.products.append(product)
            }
            return true
        }
        products.update(product, default: ProductRow()) { row in
            if newInSession { row.viewSessions += 1 }
        }
        hours.addView(of: product, hour: Self.hour(of: time))
        if let customer {
            let key = CustomerKey(customer: customer, product: product)
            customerProducts[key, default: CustomerProduct()].recordView(at: time)
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
                products.load(ProductRow(orders: orders, units: units, buyers: buyers, repeatBuyers: repeatBuyers, viewSessions: sessions), at: productNames.number(id))
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
                sessions.load(Session(startedAt: started, lastAt: last, products: viewed.map { productNames.number($0) }), at: viewerNames.number(viewer))
            }
        }
    }

    func takeFoldedRows() -> any Sendable {
        defer {
            (productNames, customerNames, viewerNames) = (InternedNames(), InternedNames(), InternedNames())
            (products, sessions, customerProducts, changedCustomerProducts, customerOrders) = (NumberedRows(), NumberedRows(), [:], [], [:])
            (coPurchases, coViews, hours) = (PairCounts(), PairCounts(), HourCounts())
        }
        return (
            (productNames, customerNames, viewerNames), (products, sessions, customerProducts, changedCustomerProducts, customerOrders),
            (coPurchases, coViews, hours)
        )
    }

    /// The changed rows, named again, for the writer; the increments are forgotten.
    func takeWrites(logger: Logger) -> TableWrites {
        let productRanks = productNames.ranks()
        let customerRanks = changedCustomerProducts.isEmpty ? [] : customerNames.ranks()
        // What the jobs count and name when they run, moved out of the builder.
        let (productNames, customerNames) = (productNames, customerNames)
        let (hours, coPurchases, coViews) = (hours, coPurchases, coViews)
        (self.hours, self.coPurchases, self.coViews) = (HourCounts(), PairCounts(), PairCounts())
        let (customerProducts, changed) = (customerProducts, changedCustomerProducts)
        var writes = RecommendationsWriter(logger: logger, copying: writesIntoEmptyTables).writes(
            products: products.takeChanged().map { (productNames[$0.number], $0.row) },
            hours: { hours.counted().map { (productNames[$0.product], $0.hour, $0.orders, $0.views, productRanks[Int($0.product)]) } },
            coPurchases: { coPurchases.counted(ranks: productRanks).map { (productNames[$0.product], productNames[$0.other], $0.count, $0.rank) } },
            coViews: { coViews.counted(ranks: productRanks).map { (productNames[$0.product], productNames[$0.other], $0.count, $0.rank) } },
            customerOrders: customerOrders.map { (customerNames[$0.key], $0.value) },
            customerProducts: {
                changed.compactMap { key in
                    customerProducts[key].map {
                        let rank = UInt64(customerRanks[Int(key.customer)]) << 32 | UInt64(productRanks[Int(key.product)])
                        return (customerNames[key.customer], productNames[key.product], $0, rank)
                    }
                }
            },
            sessions: sessions.takeChanged().map { (viewerNames[$0.number], $0.row.startedAt, $0.row.lastAt, $0.row.products.map { productNames[$0] }) }
        )
        writesIntoEmptyTables = false
        changedCustomerProducts = []
        customerOrders.removeAll(keepingCapacity: true)
        let (versions, projection) = (streamVersions.take(), projection)
        writes.add("projection_stream_versions") { try await StreamVersions.write(versions, projection: projection, on: $0, logger: logger) }
        return writes
    }

    /// The whole hours since 1970 that `time` falls in.
    static func hour(of time: Date) -> Int64 {
        Int64((time.timeIntervalSince1970 / 3600).rounded(.down))
    }
}
