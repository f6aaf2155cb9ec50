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
final class AnalyticsBuilder: ReadModelBuilder {
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
    private let streamVersions = StreamVersions()
    private let hold = StreamHold()

    init(projection: String) {
        self.projection = projection
    }

    func add(_ events: [RecordedEvent], loadingFrom connection: PostgresConnection?, logger: Logger) async throws -> [ParkedEvent] {
        let outcomes = await decodeConcurrently(events) { AnalyticsFact.decode($0) }
        if let connection {
            try await load(outcomes.compactMap { try? $0?.get() }, from: connection, logger: logger)
        }
        for (event, outcome) in zip(events, outcomes) {
            guard let outcome, let fact = hold.admit(event, outcome) else { continue }
            streamVersions.record(event)
            let time = event.occurredAt
            switch fact {
            case .order(let order): apply(order, at: time)
            case .cart(let cart): apply(cart, at: time)
            case .inventory(let inventory): apply(inventory)
            case .product(let product): apply(product)
            case .irrelevant: break
            }
        }
        return hold.drain()
    }

    // MARK: - Folding

    private func apply(_ event: OrderEvent, at time: Date) {
        let bucket = Rows.bucket(time)
        switch event {
        case .placed(let placed):
            let id = placed.orderId.rawValue
            guard orders[id] == nil else { return }
            let totals = placed.totals
            let currency = totals.total.currency.code
            let (kind, customer): (String, String) = switch placed.customer {
            case .customer(let id): ("customer", id.rawValue)
            case .guest(let token): ("guest", token)
            }
            orders[id] = Rows.Order(
                customerKind: kind, customerID: customer, currency: currency, placedAt: time, total: totals.total.amount, paid: false,
                cancelled: false,
                lines: placed.lines.map { Rows.Line(sku: $0.sku.rawValue, productID: $0.productId.rawValue, quantity: Int64($0.quantity), unitPrice: $0.unitPrice.amount) }
            )
            changedOrders.insert(id)
            newOrderLines.append(id)
            if kind == "customer" {
                customerOrders[customer, default: []].insert(id)
                customersToRelink.insert(customer)
            }
            sales[Rows.Key(bucket: bucket, currency: currency), default: Rows.Sales()].add {
                $0.ordersPlaced += 1
                $0.gross += totals.subtotal.amount
                $0.tax += totals.tax.amount
                $0.shipping += totals.shipping.amount
                // Whatever brings the total below subtotal, shipping and tax is a discount.
                $0.discounts += totals.subtotal.amount + totals.shipping.amount + totals.tax.amount - totals.total.amount
            }
            if kind == "customer", customers[customer].map({ time < $0 }) ?? true {
                customers[customer] = time
                changedCustomers.insert(customer)
            }
        case .paid(let paid):
            let id = paid.orderId.rawValue
            guard var order = orders[id], !order.paid else { return }
            order.paid = true
            orders[id] = order
            changedOrders.insert(id)
            let key = Rows.Key(bucket: bucket, currency: order.currency)
            sales[key, default: Rows.Sales()].add {
                $0.ordersPaid += 1
                $0.paid += paid.amount.amount
                $0.unitsSold += order.lines.reduce(0) { $0 + $1.quantity }
            }
            funnel[key, default: Rows.Funnel()].ordersPaid += 1
            addSold(order, sign: 1, bucket: bucket)
        case .shipped(let shipped):
            guard let order = orders[shipped.orderId.rawValue] else { return }
            funnel[Rows.Key(bucket: bucket, currency: order.currency), default: Rows.Funnel()].ordersShipped += 1
        case .cancelled(let cancelled):
            let id = cancelled.orderId.rawValue
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
        case .returnRecorded(let returned):
            guard let order = orders[returned.orderId.rawValue] else { return }
            for line in returned.lines {
                guard let ordered = order.lines.first(where: { $0.sku == line.sku.rawValue }) else { continue }
                let key = Rows.SKUKey(bucket: bucket, sku: ordered.sku, currency: order.currency)
                skuSales[key, default: Rows.SKUSales(productID: ordered.productID)].add {
                    $0.unitsReturned += Int64(line.quantity)
                    $0.returnedValue += Int64(line.quantity) * ordered.unitPrice
                }
            }
        case .refunded(let refunded):
            sales[Rows.Key(bucket: bucket, currency: refunded.amount.currency.code), default: Rows.Sales()].refunds += refunded.amount.amount
        case .paymentAuthorized, .fulfilmentRecorded, .delivered:
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

    private func apply(_ event: CartEvent, at time: Date) {
        let bucket = Rows.bucket(time)
        switch event {
        case .created(let created):
            let id = created.cartId.rawValue
            guard carts[id] == nil else { return }
            let (kind, owner): (String, String) = switch created.owner {
            case .customer(let id): ("customer", id.rawValue)
            case .guest(let token): ("guest", token)
            }
            carts[id] = Rows.Cart(ownerKind: kind, ownerID: owner, currency: created.currency.code, lines: [], status: "open", gotLine: false, createdAt: time)
            changedCarts.insert(id)
            funnel[Rows.Key(bucket: bucket, currency: created.currency.code), default: Rows.Funnel()].cartsCreated += 1
        case .itemAdded(let added):
            updateCart(added.cartId, bucket: bucket) { cart in
                let line = Rows.CartLine(sku: added.line.sku.rawValue, name: added.line.name, quantity: Int64(added.line.quantity), unitPrice: added.line.unitPrice.amount)
                if let index = cart.lines.firstIndex(where: { $0.sku == line.sku }) { cart.lines[index] = line } else { cart.lines.append(line) }
            }
        case .quantityChanged(let changed):
            updateCart(changed.cartId, bucket: bucket) { cart in
                if let index = cart.lines.firstIndex(where: { $0.sku == changed.sku.rawValue }) { cart.lines[index].quantity = Int64(changed.quantity) }
            }
        case .itemRemoved(let removed):
            updateCart(removed.cartId, bucket: bucket) { $0.lines.removeAll { $0.sku == removed.sku.rawValue } }
        case .merged(let merged):
            updateCart(merged.cartId, bucket: bucket) { cart in
                cart.lines = merged.lines.map { Rows.CartLine(sku: $0.sku.rawValue, name: $0.name, quantity: Int64($0.quantity), unitPrice: $0.unitPrice.amount) }
            }
        case .mergedIntoCustomerCart(let merged):
            updateCart(merged.cartId, bucket: bucket) { $0.status = "merged" }
        case .checkedOut(let checkedOut):
            updateCart(checkedOut.cartId, bucket: bucket) { $0.status = "checkedOut" }
            if let cart = carts[checkedOut.cartId.rawValue] {
                funnel[Rows.Key(bucket: bucket, currency: cart.currency), default: Rows.Funnel()].checkouts += 1
            }
        case .abandoned(let abandoned):
            updateCart(abandoned.cartId, bucket: bucket) { cart in
                cart.status = "abandoned"
                cart.abandonedAt = time
            }
            if let cart = carts[abandoned.cartId.rawValue] {
                funnel[Rows.Key(bucket: bucket, currency: cart.currency), default: Rows.Funnel()].add {
                    $0.cartsAbandoned += 1
                    $0.abandonedValue += cart.value
                }
            }
        case .shippingAddressSet, .shippingMethodSet:
            break
        }
    }

    /// Changes a known cart; the first time it holds a line, the funnel's second step counts it.
    private func updateCart(_ id: CartID, bucket: Int64, _ change: (inout Rows.Cart) -> Void) {
        guard var cart = carts[id.rawValue] else { return }
        change(&cart)
        if !cart.gotLine, !cart.lines.isEmpty {
            cart.gotLine = true
            funnel[Rows.Key(bucket: bucket, currency: cart.currency), default: Rows.Funnel()].cartsWithLine += 1
        }
        carts[id.rawValue] = cart
        changedCarts.insert(id.rawValue)
    }

    private func apply(_ event: InventoryEvent) {
        let levels: StockLevels
        let sku: SKU
        switch event {
        case .received(let event): (sku, levels) = (event.sku, event.levels)
        case .adjusted(let event): (sku, levels) = (event.sku, event.levels)
        case .reserved(let event): (sku, levels) = (event.sku, event.levels)
        case .released(let event): (sku, levels) = (event.sku, event.levels)
        case .committed(let event): (sku, levels) = (event.sku, event.levels)
        case .thresholdSet(let event):
            stock[event.sku.rawValue, default: Rows.Stock()].threshold = Int64(event.threshold)
            changedStock.insert(event.sku.rawValue)
            return
        case .thresholdCrossed, .backorderChanged:
            return
        }
        stock[sku.rawValue, default: Rows.Stock()].onHand = Int64(levels.onHand)
        stock[sku.rawValue]!.reserved = Int64(levels.reserved)
        changedStock.insert(sku.rawValue)
    }

    private func apply(_ event: ProductEvent) {
        switch event {
        case .created(let created):
            products[created.productId.rawValue] = Rows.Product(name: created.name, categoryPath: created.categoryPath.joined(separator: "/"))
            changedProducts.insert(created.productId.rawValue)
        case .variantAdded(let added):
            stock[added.sku.rawValue, default: Rows.Stock()].productID = added.productId.rawValue
            changedStock.insert(added.sku.rawValue)
        case .priceSet, .published, .unpublished, .discontinued:
            break
        }
    }

    /// Recomputes the neighbours of the orders of customers with a new order; the orders whose
    /// neighbours changed are written again.
    private func relinkCustomerOrders() {
        for customer in customersToRelink {
            let ids = customerOrders[customer, default: []]
            let placed = ids.map { (id: $0, placedAt: orders[$0]!.placedAt) }
            let overall = Rows.Neighbours.of(placed)
            let inCurrency = Dictionary(grouping: placed) { orders[$0.id]!.currency }.values.reduce(into: [String: Rows.Neighbours]()) {
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
            case .order(let event):
                orderIDs.insert(Self.orderID(of: event).rawValue)
                if case .placed(let placed) = event, case .customer(let customer) = placed.customer { customerIDs.insert(customer.rawValue) }
            case .cart(let event):
                cartIDs.insert(Self.cartID(of: event).rawValue)
            case .inventory(let event):
                skus.insert(Self.sku(of: event).rawValue)
            case .product(let event):
                if case .variantAdded(let added) = event { skus.insert(added.sku.rawValue) }
            case .irrelevant:
                break
            }
        }
        // A customer's new order changes its neighbours' rows: all their orders are read (those
        // of a customer already waiting to be relinked were read with an earlier batch).
        let relinked = Array(customerIDs.subtracting(customersToRelink))
        if !relinked.isEmpty {
            let rows = try await connection.query(
                "SELECT order_id FROM analytics_orders WHERE customer_kind = 'customer' AND customer_id = ANY(\(relinked))", logger: logger
            )
            for try await id in rows.decode(String.self) { orderIDs.insert(id) }
        }
        let wantedOrders = Array(orderIDs.subtracting(orders.keys))
        if !wantedOrders.isEmpty {
            let rows = try await connection.query(
                """
                SELECT order_id, customer_kind, customer_id, currency, placed_at, total, paid, cancelled,
                       array_remove(ARRAY[earlier_1, earlier_2, earlier_3, earlier_4], NULL), later_at,
                       array_remove(ARRAY[earlier_in_currency_1, earlier_in_currency_2, earlier_in_currency_3, earlier_in_currency_4], NULL),
                       later_in_currency_at
                FROM analytics_orders WHERE order_id = ANY(\(wantedOrders))
                """,
                logger: logger
            )
            for try await (id, kind, customer, currency, placedAt, total, paid, cancelled, earlier, later, earlierInCurrency, laterInCurrency) in rows.decode(
                (String, String, String, String, Date, Int64, Bool, Bool, [Date], Date?, [Date], Date?).self
            ) {
                orders[id] = Rows.Order(
                    customerKind: kind, customerID: customer, currency: currency, placedAt: placedAt, total: total, paid: paid, cancelled: cancelled, lines: [],
                    neighbours: Rows.Neighbours(earlier: earlier, later: later),
                    neighboursInCurrency: Rows.Neighbours(earlier: earlierInCurrency, later: laterInCurrency)
                )
                if kind == "customer" { customerOrders[customer, default: []].insert(id) }
            }
            let lines = try await connection.query(
                "SELECT order_id, sku, product_id, quantity, unit_price FROM analytics_order_lines WHERE order_id = ANY(\(wantedOrders)) ORDER BY order_id, sku",
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

    private static func orderID(of event: OrderEvent) -> OrderID {
        switch event {
        case .placed(let e): e.orderId
        case .paymentAuthorized(let e): e.orderId
        case .paid(let e): e.orderId
        case .fulfilmentRecorded(let e): e.orderId
        case .shipped(let e): e.orderId
        case .delivered(let e): e.orderId
        case .cancelled(let e): e.orderId
        case .returnRecorded(let e): e.orderId
        case .refunded(let e): e.orderId
        }
    }

    private static func cartID(of event: CartEvent) -> CartID {
        switch event {
        case .created(let e): e.cartId
        case .itemAdded(let e): e.cartId
        case .quantityChanged(let e): e.cartId
        case .itemRemoved(let e): e.cartId
        case .shippingAddressSet(let e): e.cartId
        case .shippingMethodSet(let e): e.cartId
        case .merged(let e): e.cartId
        case .mergedIntoCustomerCart(let e): e.cartId
        case .checkedOut(let e): e.cartId
        case .abandoned(let e): e.cartId
        }
    }

    private static func sku(of event: InventoryEvent) -> SKU {
        switch event {
        case .received(let e): e.sku
        case .adjusted(let e): e.sku
        case .reserved(let e): e.sku
        case .released(let e): e.sku
        case .committed(let e): e.sku
        case .thresholdSet(let e): e.sku
        case .thresholdCrossed(let e): e.sku
        case .backorderChanged(let e): e.sku
        }
    }

    // MARK: - Writing

    func flush(on connection: PostgresConnection, logger: Logger) async throws {
        relinkCustomerOrders()
        try await AnalyticsWriter(connection: connection, logger: logger).write(
            orders: changedOrders.map { ($0, orders[$0]!) }, newLines: newOrderLines.map { ($0, orders[$0]!.lines) },
            carts: changedCarts.map { ($0, carts[$0]!) }, customers: changedCustomers.map { ($0, customers[$0]!) },
            products: changedProducts.map { ($0, products[$0]!) }, stock: changedStock.map { ($0, stock[$0]!) },
            sales: sales, skuSales: skuSales, funnel: funnel
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
        try await streamVersions.write(projection: projection, on: connection, logger: logger)
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
