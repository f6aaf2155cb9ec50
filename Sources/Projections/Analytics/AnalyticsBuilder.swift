import Aggregates
import EventStore
import Foundation
import Logging
import PostgresNIO

/// Folds order, cart, inventory and product events into the analytics tables.
///
/// Entities (orders with their lines, carts, customers, products, stock) are read back for a
/// live batch and kept in memory for a rebuild; rollups are deltas added onto the tables, so a
/// live batch never reads them. Each figure counts at the business time of the event that
/// changed it (``RecordedEvent/occurredAt``).
final class AnalyticsBuilder: TableWritingBuilder {
    typealias Rows = AnalyticsRows

    private let projection: String
    private var orders: [String: Rows.Order] = [:]
    private var changedOrders: Set<String> = []
    private var newOrderLines: [String] = []
    private var carts: [String: Rows.Cart] = [:]
    private var changedCarts: Set<String> = []
    private var customers: [String: Date] = [:]
    /// Signed-in customers' orders in memory, and the customers with a new one, whose orders'
    /// neighbours change.
    private var customerOrders: [String: Set<String>] = [:]
    private var customersToRelink: Set<String> = []
    private var changedCustomers: Set<String> = []
    private var products: [String: Rows.Product] = [:]
    private var changedProducts: Set<String> = []
    private var stock: [String: Rows.Stock] = [:]
    private var changedStock: Set<String> = []
    private var sales: [Rows.Key: Rows.Sales] = [:]
    private var skuSales: [Rows.SKUKey: Rows.SKUSales] = [:]
    private var funnel: [Rows.Key: Rows.Funnel] = [:]
    private var views: [Rows.ViewKey: Int64] = [:]
    private let streamVersions = StreamVersions()
    var recordsStreamVersions: Bool {
        get { streamVersions.enabled }
        set { streamVersions.enabled = newValue }
    }
    var writesIntoEmptyTables = false
    private let hold = StreamHold()

    init(projection: String) {
        self.projection = projection
    }

    func add(_ events: [RecordedEvent], loadingFrom connection: PostgresConnection?, logger: Logger) async throws -> [ParkedEvent] {
        // Each event's business time is read beside its fields, on every core.
        let decode: @Sendable (RecordedEvent) -> Result<(AnalyticsFact, Date), DomainError>? = { event in
            AnalyticsFact.decode(event).map { ($0, event.occurredAt) }
        }
        try await decodeAndFold(events, loadingFrom: connection, decode: decode) { outcomes, connection in
            try await load(outcomes.compactMap { try? $0?.get().0 }, from: connection, logger: logger)
        } fold: { fold($0, $1) }
        return hold.drain()
    }

    private func fold(_ event: RecordedEvent, _ outcome: Result<(AnalyticsFact, Date), DomainError>?) {
        guard let outcome, let (fact, time) = hold.admit(event, outcome) else { return }
        streamVersions.record(event)
        apply(fact, at: time)
    }

    // MARK: - Folding

    private func apply(_ fact: AnalyticsFact, at time: Date) {
        let bucket = Rows.bucket(time)
        switch fact {
        case let .orderPlaced(id, kind, customer, lines, subtotal, shipping, tax, total):
            guard orders[id] == nil else { return }
            let currency = total.currency
            orders[id] = Rows.Order(
                customerKind: kind, customerID: customer, currency: currency, placedAt: time, total: total.amount, paid: false, cancelled: false,
                lines: lines
            )
            changedOrders.insert(id)
            newOrderLines.append(id)
            if kind == "customer" {
                customerOrders[customer, default: []].insert(id)
                customersToRelink.insert(customer)
            }
            sales[Rows.Key(bucket: bucket, currency: currency), default: Rows.Sales()].add {
                $0.ordersPlaced += 1
                $0.gross += subtotal.amount
                $0.tax += tax.amount
                $0.shipping += shipping.amount
                // Whatever brings the total below subtotal, shipping and tax is a discount.
                $0.discounts += subtotal.amount + shipping.amount + tax.amount - total.amount
            }
            if kind == "customer", customers[customer].map({ time < $0 }) ?? true {
                customers[customer] = time
                changedCustomers.insert(customer)
            }
        case let .orderPaid(id, amount):
            guard var order = orders[id], !order.paid else { return }
            order.paid = true
            orders[id] = order
            changedOrders.insert(id)
            let key = Rows.Key(bucket: bucket, currency: order.currency)
            sales[key, default: Rows.Sales()].add {
                $0.ordersPaid += 1
                $0.paid += amount.amount
                $0.unitsSold += order.lines.reduce(0) { $0 + $1.quantity }
            }
            funnel[key, default: Rows.Funnel()].ordersPaid += 1
            addSold(order, sign: 1, bucket: bucket)
        case let .orderShipped(id):
            guard let order = orders[id] else { return }
            funnel[Rows.Key(bucket: bucket, currency: order.currency), default: Rows.Funnel()].ordersShipped += 1
        case let .orderCancelled(id):
            guard var order = orders[id], !order.cancelled else { return }
            order.cancelled = true
            orders[id] = order
            changedOrders.insert(id)
            sales[Rows.Key(bucket: bucket, currency: order.currency), default: Rows.Sales()].add {
                $0.ordersCancelled += 1
                $0.cancelledValue += order.total
                // A paid order cancelled later no longer counts as sold.
                if order.paid { $0.unitsSold -= order.lines.reduce(0) { $0 + $1.quantity } }
            }
            if order.paid { addSold(order, sign: -1, bucket: bucket) }
        case let .orderReturned(id, lines):
            guard let order = orders[id] else { return }
            for line in lines {
                guard let ordered = order.lines.first(where: { $0.sku == line.sku }) else { continue }
                let key = Rows.SKUKey(bucket: bucket, sku: ordered.sku, currency: order.currency)
                skuSales[key, default: Rows.SKUSales(productID: ordered.productID)].add {
                    $0.unitsReturned += line.quantity
                    $0.returnedValue += line.quantity * ordered.unitPrice
                }
            }
        case let .orderRefunded(amount):
            sales[Rows.Key(bucket: bucket, currency: amount.currency), default: Rows.Sales()].refunds += amount.amount
        case let .cartCreated(id, kind, owner, currency):
            guard carts[id] == nil else { return }
            carts[id] = Rows.Cart(ownerKind: kind, ownerID: owner, currency: currency, lines: [], status: "open", gotLine: false, createdAt: time)
            changedCarts.insert(id)
            funnel[Rows.Key(bucket: bucket, currency: currency), default: Rows.Funnel()].cartsCreated += 1
        case let .cartLineAdded(id, line):
            updateCart(id, bucket: bucket) { cart in
                if let index = cart.lines.firstIndex(where: { $0.sku == line.sku }) { cart.lines[index] = line } else { cart.lines.append(line) }
            }
        case let .cartQuantityChanged(id, sku, quantity):
            updateCart(id, bucket: bucket) { cart in
                if let index = cart.lines.firstIndex(where: { $0.sku == sku }) { cart.lines[index].quantity = quantity }
            }
        case let .cartLineRemoved(id, sku):
            updateCart(id, bucket: bucket) { $0.lines.removeAll { $0.sku == sku } }
        case let .cartMerged(id, lines):
            updateCart(id, bucket: bucket) { $0.lines = lines }
        // A checked-out or merged cart's lines live on in its order or the cart it merged into;
        // only open and abandoned carts' lines are read (abandoned value, recovery list), so a
        // closed cart keeps none — most carts end checked out, and their lines were most of the
        // table.
        case let .cartMergedAway(id):
            updateCart(id, bucket: bucket) { cart in
                cart.status = "merged"
                cart.lines = []
            }
        case let .cartCheckedOut(id):
            updateCart(id, bucket: bucket) { cart in
                cart.status = "checkedOut"
                cart.lines = []
            }
            if let cart = carts[id] {
                funnel[Rows.Key(bucket: bucket, currency: cart.currency), default: Rows.Funnel()].checkouts += 1
            }
        case let .cartAbandoned(id):
            updateCart(id, bucket: bucket) { cart in
                cart.status = "abandoned"
                cart.abandonedAt = time
            }
            if let cart = carts[id] {
                funnel[Rows.Key(bucket: bucket, currency: cart.currency), default: Rows.Funnel()].add {
                    $0.cartsAbandoned += 1
                    $0.abandonedValue += cart.value
                }
            }
        case let .stockLevels(sku, onHand, reserved):
            stock[sku, default: Rows.Stock()].onHand = onHand
            stock[sku]!.reserved = reserved
            changedStock.insert(sku)
        case let .stockThreshold(sku, threshold):
            stock[sku, default: Rows.Stock()].threshold = threshold
            changedStock.insert(sku)
        case let .productDetails(id, name, path):
            products[id] = Rows.Product(name: name, categoryPath: path.joined(separator: "/"))
            changedProducts.insert(id)
        case let .variantAdded(product, sku):
            stock[sku, default: Rows.Stock()].productID = product
            changedStock.insert(sku)
        case let .productViewed(product):
            views[Rows.ViewKey(bucket: bucket, productID: product), default: 0] += 1
        case .irrelevant:
            break
        }
    }

    /// Adds (or, for a cancellation, takes back) an order's lines as units sold and revenue.
    private func addSold(_ order: Rows.Order, sign: Int64, bucket: Int64) {
        for line in order.lines {
            skuSales[Rows.SKUKey(bucket: bucket, sku: line.sku, currency: order.currency), default: Rows.SKUSales(productID: line.productID)].add {
                $0.unitsSold += sign * line.quantity
                $0.revenue += sign * line.quantity * line.unitPrice
            }
        }
    }

    /// Changes a known cart; the first time it holds a line, the funnel's second step counts it.
    private func updateCart(_ id: String, bucket: Int64, _ change: (inout Rows.Cart) -> Void) {
        guard let index = carts.index(forKey: id) else { return }
        // Changed where it is stored: a copy taken out would copy its lines on every change.
        change(&carts.values[index])
        if !carts.values[index].gotLine, !carts.values[index].lines.isEmpty {
            carts.values[index].gotLine = true
            funnel[Rows.Key(bucket: bucket, currency: carts.values[index].currency), default: Rows.Funnel()].cartsWithLine += 1
        }
        changedCarts.insert(id)
    }

    /// Recomputes the neighbours of the orders of customers with a new order; the orders whose
    /// neighbours changed are written again.
    private func relinkCustomerOrders() {
        for customer in customersToRelink {
            let ids = customerOrders[customer, default: []]
            let placed = ids.map { (id: $0, placedAt: orders[$0]!.placedAt) }
            let overall = Rows.Neighbours.of(placed)
            // Most customers pay in one currency: then their neighbours in it are the same.
            let currency = ids.first.flatMap { orders[$0]?.currency }
            let inCurrency = ids.allSatisfy({ orders[$0]!.currency == currency }) ? overall
                : Dictionary(grouping: placed) { orders[$0.id]!.currency }.values.reduce(into: [String: Rows.Neighbours]()) {
                    $0.merge(Rows.Neighbours.of($1)) { first, _ in first }
                }
            for id in ids {
                guard var order = orders[id] else { continue }
                let (neighbours, neighboursInCurrency) = (overall[id]!, inCurrency[id]!)
                guard order.neighbours != neighbours || order.neighboursInCurrency != neighboursInCurrency else { continue }
                order.neighbours = neighbours
                order.neighboursInCurrency = neighboursInCurrency
                orders[id] = order
                changedOrders.insert(id)
            }
        }
        customersToRelink.removeAll(keepingCapacity: true)
    }

    // MARK: - Reading back a live batch's rows

    private func load(_ facts: [AnalyticsFact], from connection: PostgresConnection, logger: Logger) async throws {
        var orderIDs: Set<String> = []
        var cartIDs: Set<String> = []
        var customerIDs: Set<String> = []
        var skus: Set<String> = []
        for fact in facts {
            switch fact {
            case let .orderPlaced(id, kind, customer, _, _, _, _, _):
                orderIDs.insert(id)
                if kind == "customer" { customerIDs.insert(customer) }
            case let .orderPaid(id, _), let .orderShipped(id), let .orderCancelled(id), let .orderReturned(id, _):
                orderIDs.insert(id)
            case let .cartCreated(id, _, _, _), let .cartLineAdded(id, _), let .cartQuantityChanged(id, _, _), let .cartLineRemoved(id, _),
                 let .cartMerged(id, _), let .cartMergedAway(id), let .cartCheckedOut(id), let .cartAbandoned(id):
                cartIDs.insert(id)
            case let .stockLevels(sku, _, _), let .stockThreshold(sku, _), let .variantAdded(_, sku):
                skus.insert(sku)
            case .orderRefunded, .productDetails, .productViewed, .irrelevant:
                break
            }
        }
        // A customer's new order changes its neighbours' rows: all their orders are read too (those
        // of a customer already waiting to be relinked were read with an earlier batch). Orders
        // already in memory keep what this builder made of them.
        let relinked = Array(customerIDs.subtracting(customersToRelink))
        let wantedOrders = Array(orderIDs.subtracting(orders.keys))
        if !wantedOrders.isEmpty || !relinked.isEmpty {
            let rows = try await connection.query(
                """
                SELECT order_id, customer_kind, customer_id, currency, placed_at, total, paid, cancelled,
                       array_remove(ARRAY[earlier_1, earlier_2, earlier_3, earlier_4], NULL), later_at,
                       array_remove(ARRAY[earlier_in_currency_1, earlier_in_currency_2, earlier_in_currency_3, earlier_in_currency_4], NULL),
                       later_in_currency_at
                FROM analytics_orders
                WHERE order_id = ANY(\(wantedOrders)) OR (customer_kind = 'customer' AND customer_id = ANY(\(relinked)))
                """,
                logger: logger
            )
            var read: [String] = []
            for try await (id, kind, customer, currency, placedAt, total, paid, cancelled, earlier, later, earlierInCurrency, laterInCurrency) in rows.decode(
                (String, String, String, String, Date, Int64, Bool, Bool, [Date], Date?, [Date], Date?).self
            ) where orders[id] == nil {
                read.append(id)
                orders[id] = Rows.Order(
                    customerKind: kind, customerID: customer, currency: currency, placedAt: placedAt, total: total, paid: paid, cancelled: cancelled, lines: [],
                    neighbours: Rows.Neighbours(earlier: earlier, later: later),
                    neighboursInCurrency: Rows.Neighbours(earlier: earlierInCurrency, later: laterInCurrency)
                )
                if kind == "customer" { customerOrders[customer, default: []].insert(id) }
            }
            let lines = try await connection.query(
                "SELECT order_id, sku, product_id, quantity, unit_price FROM analytics_order_lines WHERE order_id = ANY(\(read)) ORDER BY order_id, sku",
                logger: logger
            )
            for try await (id, sku, product, quantity, price) in lines.decode((String, String, String, Int64, Int64).self) {
                orders[id]?.lines.append(Rows.Line(sku: sku, productID: product, quantity: quantity, unitPrice: price))
            }
        }
        let wantedCarts = Array(cartIDs.subtracting(carts.keys))
        if !wantedCarts.isEmpty {
            let rows = try await connection.query(
                "SELECT cart_id, owner_kind, owner_id, currency, lines::text, status, got_line, created_at, abandoned_at FROM analytics_carts WHERE cart_id = ANY(\(wantedCarts))",
                logger: logger
            )
            for try await (id, kind, owner, currency, lines, status, gotLine, createdAt, abandonedAt) in rows.decode((String, String, String, String, String, String, Bool, Date, Date?).self) {
                carts[id] = Rows.Cart(
                    ownerKind: kind, ownerID: owner, currency: currency, lines: try EventCodec.decodeJSON([Rows.CartLine].self, lines), status: status,
                    gotLine: gotLine, createdAt: createdAt, abandonedAt: abandonedAt
                )
            }
        }
        let wantedCustomers = Array(customerIDs.subtracting(customers.keys))
        if !wantedCustomers.isEmpty {
            let rows = try await connection.query(
                "SELECT customer_id, first_order_at FROM analytics_customers WHERE customer_id = ANY(\(wantedCustomers))", logger: logger
            )
            for try await (id, first) in rows.decode((String, Date).self) { customers[id] = first }
        }
        let wantedSKUs = Array(skus.subtracting(stock.keys))
        if !wantedSKUs.isEmpty {
            let rows = try await connection.query(
                "SELECT sku, product_id, on_hand, reserved, threshold FROM analytics_stock WHERE sku = ANY(\(wantedSKUs))", logger: logger
            )
            for try await (sku, product, onHand, reserved, threshold) in rows.decode((String, String?, Int64, Int64, Int64?).self) {
                stock[sku] = Rows.Stock(productID: product, onHand: onHand, reserved: reserved, threshold: threshold)
            }
        }
    }

    // MARK: - Writing

    func takeFoldedRows() -> any Sendable {
        defer {
            (orders, changedOrders, newOrderLines, carts, changedCarts) = ([:], [], [], [:], [])
            (customers, customerOrders, customersToRelink, changedCustomers) = ([:], [:], [], [])
            (products, changedProducts, stock, changedStock) = ([:], [], [:], [])
            (sales, skuSales, funnel, views) = ([:], [:], [:], [:])
        }
        return (
            (orders, changedOrders, newOrderLines, carts, changedCarts), (customers, customerOrders, customersToRelink, changedCustomers),
            (products, changedProducts, stock, changedStock), (sales, skuSales, funnel, views)
        )
    }

    func takeWrites(logger: Logger) -> TableWrites {
        relinkCustomerOrders()
        var writes = AnalyticsWriter(logger: logger, copying: writesIntoEmptyTables).writes(
            orders: changedOrders.map { ($0, orders[$0]!) }, newLines: newOrderLines.map { ($0, orders[$0]!.lines) },
            carts: changedCarts.map { ($0, carts[$0]!) }, customers: changedCustomers.map { ($0, customers[$0]!) },
            products: changedProducts.map { ($0, products[$0]!) }, stock: changedStock.map { ($0, stock[$0]!) },
            sales: sales, skuSales: skuSales, funnel: funnel, views: views
        )
        changedOrders.removeAll(keepingCapacity: true)
        newOrderLines.removeAll(keepingCapacity: true)
        changedCarts.removeAll(keepingCapacity: true)
        changedCustomers.removeAll(keepingCapacity: true)
        changedProducts.removeAll(keepingCapacity: true)
        changedStock.removeAll(keepingCapacity: true)
        sales.removeAll(keepingCapacity: true)
        skuSales.removeAll(keepingCapacity: true)
        funnel.removeAll(keepingCapacity: true)
        views.removeAll(keepingCapacity: true)
        let (versions, projection) = (streamVersions.take(), projection)
        writes.add("projection_stream_versions") { try await StreamVersions.write(versions, projection: projection, on: $0, logger: logger) }
        return writes
    }
}

extension AnalyticsRows.Sales {
    mutating func add(_ change: (inout Self) -> Void) { change(&self) }
}

extension AnalyticsRows.SKUSales {
    mutating func add(_ change: (inout Self) -> Void) { change(&self) }
}

extension AnalyticsRows.Funnel {
    mutating func add(_ change: (inout Self) -> Void) { change(&self) }
}
