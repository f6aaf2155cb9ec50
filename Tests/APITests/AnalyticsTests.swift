import Aggregates
import Application
import EventStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Projections
import Testing
import TestSupport
import Workers

/// The reports against a plain fold, written here, over the same synthetic history: ten weeks
/// up to now (a whole month and a month boundary always inside), two currencies, every order path
/// (declines, cancellations, partial refunds, returns) and abandoned carts, with business
/// times in the past, read in two time zones (one of them half an hour off the hour).
@Suite("Analytics reports")
struct AnalyticsTests {
    static let zones = ["America/New_York", "Asia/Kolkata"]

    @Test("every report equals an independent fold of the history, in two time zones and two currencies")
    func reportsMatchTheFold() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            let history = try await Self.loadHistory(postgres)
            try await projectInBatches(postgres, size: 37)
            try await Self.expectNeighboursAsWindowFunctionsCompute(postgres)

            for zone in Self.zones {
                let fold = ExpectedFigures(history: history, zone: zone)
                let period = "from=\(fold.firstDay)&to=\(fold.lastDay)&tz=\(zone)"

                // Sales per day: every (day, currency) of the period, zeros included.
                let daily = try await api.report(SalesReport.self, "/admin/analytics/sales?\(period)&granularity=day", token: admin)
                #expect(daily.items.count == fold.days.count * 2)
                for item in daily.items {
                    let expected = fold.sales[SalesKey(period: item.period, currency: item.currency)] ?? SalesFigures()
                    #expect(item.figures == expected, "\(zone) \(item.period) \(item.currency)")
                    #expect(item.netRevenue == expected.paid - expected.refunds)
                    #expect(item.averageOrderValue == roundedAverage(expected.paid, expected.ordersPaid))
                }
                #expect(fold.sales.values.contains { $0.ordersCancelled > 0 } && fold.sales.values.contains { $0.refunds > 0 })

                // Per month, across the boundary; each month's figures are its days' sums.
                let monthly = try await api.report(SalesReport.self, "/admin/analytics/sales?\(period)&granularity=month&currency=USD", token: admin)
                #expect(monthly.items.count >= 2 && monthly.items.allSatisfy { $0.currency == "USD" })
                for item in monthly.items {
                    let month = item.period.prefix(7)
                    let expected = fold.sales.filter { $0.key.currency == "USD" && $0.key.period.hasPrefix(month) }.values.reduce(SalesFigures(), +)
                    #expect(item.figures == expected, "\(zone) \(item.period)")
                }

                // Top products per currency, by units and by net revenue, and within a category.
                let byUnits = try await api.report(TopReport.self, "/admin/analytics/products/top?\(period)&by=units&limit=100&currency=EUR", token: admin)
                let expectedProducts = fold.products.filter { $0.key.currency == "EUR" }
                #expect(Dictionary(uniqueKeysWithValues: byUnits.items.map { ($0.productId, $0.figures) })
                    == Dictionary(uniqueKeysWithValues: expectedProducts.map { ($0.key.product, $0.value) }))
                #expect(byUnits.items.map(\.unitsSold) == byUnits.items.map(\.unitsSold).sorted(by: >))
                let byRevenue = try await api.report(TopReport.self, "/admin/analytics/products/top?\(period)&by=revenue&limit=3&currency=EUR", token: admin)
                let topRevenue = expectedProducts.map { ($0.key.product, $0.value.revenue - $0.value.returnedValue) }
                    .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(3).map(\.0)
                #expect(byRevenue.items.map(\.productId) == Array(topRevenue))
                // Views beside units sold: over the whole period, and over a stretch whose ends cut days.
                #expect(byUnits.items.allSatisfy { $0.views == fold.views(of: $0.productId, from: fold.firstDay, to: fold.lastDay) })
                #expect(byUnits.items.allSatisfy { $0.unitsSoldPerView == perView($0.unitsSold, $0.views) })
                #expect(byUnits.items.contains { $0.views > 0 } && byUnits.items.contains { $0.unitsSoldPerView != nil })
                let stretch = try await api.report(
                    TopReport.self, "/admin/analytics/products/top?from=\(fold.days[20])&to=\(fold.days[45])&tz=\(zone)&limit=100&currency=EUR", token: admin
                )
                #expect(!stretch.items.isEmpty)
                for item in stretch.items {
                    #expect(item.views == fold.views(of: item.productId, from: fold.days[20], to: fold.days[45]), "\(zone) \(item.productId)")
                }
                let apparel = try await api.report(TopReport.self, "/admin/analytics/products/top?\(period)&limit=100&category=Apparel", token: admin)
                #expect(Set(apparel.items.map(\.productId)) == Set(fold.products.keys.map(\.product).filter { fold.categories[$0]?.first == "Apparel" }))

                // The funnel.
                let funnel = try await api.report(FunnelReport.self, "/admin/analytics/funnel?\(period)", token: admin)
                #expect(funnel.steps.map(\.count) == fold.funnel)
                #expect(funnel.steps.map(\.step) == ["cartsCreated", "cartsWithLine", "checkouts", "ordersPaid", "ordersShipped"])

                // Abandoned carts: per day and currency, and the most recent ones.
                let abandoned = try await api.report(AbandonedReport.self, "/admin/analytics/abandoned-carts?\(period)&limit=5", token: admin)
                #expect(Dictionary(uniqueKeysWithValues: abandoned.days.map { (SalesKey(period: $0.day, currency: $0.currency), [$0.carts, $0.value]) })
                    == fold.abandoned.mapValues { [$0.carts, $0.value] })
                #expect(abandoned.recent.map(\.cartId) == Array(fold.abandonedCarts.sorted { $0.at != $1.at ? $0.at > $1.at : $0.id < $1.id }.prefix(5).map(\.id)))
                #expect(abandoned.recent.allSatisfy { cart in fold.abandonedCarts.first { $0.id == cart.cartId }?.value == cart.value })

                // Customers.
                let customers = try await api.report(CustomersReport.self, "/admin/analytics/customers?\(period)", token: admin)
                #expect(Dictionary(uniqueKeysWithValues: customers.days.map { ($0.day, $0.newCustomers) }) == fold.newCustomers)
                #expect(customers.distribution.map(\.customers) == fold.distribution)
                #expect(customers.customersWithOrders == fold.distribution.reduce(0, +))
                #expect(customers.repeatCustomers == fold.distribution.dropFirst().reduce(0, +))
                // A stretch in the middle (orders after it must not count) and one currency.
                for (from, to, currency) in [(fold.days[20], fold.days[45], nil), (fold.days[20], fold.days[45], "EUR"), (fold.firstDay, fold.lastDay, "USD")] {
                    let part = try await api.report(
                        CustomersReport.self, "/admin/analytics/customers?from=\(from)&to=\(to)&tz=\(zone)" + (currency.map { "&currency=\($0)" } ?? ""), token: admin
                    )
                    let expected = fold.distribution(from: from, to: to, currency: currency)
                    #expect(part.distribution.map(\.customers) == expected, "\(from)…\(to) \(currency ?? "any")")
                    #expect(expected.dropFirst().reduce(0, +) > 0)
                }
            }

            // Low stock: thresholds and levels from the inventory events, sales of the last 28 UTC days.
            let fold = ExpectedFigures(history: history, zone: "UTC")
            let lowStock = try await api.report(LowStockReport.self, "/admin/inventory/low-stock", token: admin)
            #expect(Dictionary(uniqueKeysWithValues: lowStock.items.map { ($0.sku, [$0.available, $0.threshold ?? -1, $0.unitsSoldLast28Days]) }) == fold.lowStock)
            #expect(!lowStock.items.isEmpty)
        }
    }

    @Test("reports answer CSV when asked, and refuse bad periods, zones and currencies naming the parameter")
    func csvAndRefusals() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            _ = try await Self.loadHistory(postgres, days: 3)
            try await projectInBatches(postgres, size: 500)
            let json = try await api.report(SalesReport.self, "/admin/analytics/sales?tz=UTC", token: admin)
            let csv = try await api.raw("/admin/analytics/sales?tz=UTC&format=csv", token: admin)
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            let lines = csv.body.split(separator: "\r\n")
            #expect(lines.first == "period,currency,ordersPlaced,ordersPaid,grossMerchandiseValue,discounts,tax,shipping,paid,refunds,netRevenue,averageOrderValue,unitsSold,ordersCancelled,cancelledValue")
            #expect(lines.count == json.items.count + 1)
            let byAccept = try await api.raw("/admin/analytics/funnel", token: admin, accept: "text/csv")
            #expect(byAccept.body.hasPrefix("step,count,conversionFromPrevious,conversionFromStart\r\n"))

            // 400 for what the document's schemas refuse; 422 for content they cannot state.
            for (query, field, status) in [
                ("from=2026-02-30", "from", 400), ("to=2026-1-05", "to", 400), ("from=2026-03-02&to=2026-03-01", "from", 422), ("tz=Mars/Olympus", "tz", 422),
                ("currency=XXX", "currency", 400), ("granularity=year", "granularity", 400), ("format=xml", "format", 400), ("from=1990-01-01&to=2026-01-01", "to", 422),
            ] {
                let answer = try await api.call(.get, "/admin/analytics/sales?\(query)", token: admin)
                #expect(answer.status.code == status, "\(query)")
                #expect(answer.code == "invalid_parameter" && answer.string("field") == field, "\(query): \(answer.body)")
            }
            let customer = try await api.register("shopper@example.com").token
            #expect(try await api.call(.get, "/admin/analytics/sales", token: customer).status == .forbidden)
        }
    }

    /// Each customer order's earlier and later orders, as batches of the projection left them,
    /// equal what PostgreSQL's window functions compute over the orders (as migration 0006
    /// fills them in for orders projected before it).
    static func expectNeighboursAsWindowFunctionsCompute(_ postgres: PostgresClient) async throws {
        let counts = try await postgres.query(
            """
            SELECT count(*)::bigint, count(*) FILTER (WHERE c.earlier_2 IS NOT NULL AND c.later_in_currency_at IS NOT NULL)::bigint,
                   count(*) FILTER (WHERE
                       (o.earlier_1, o.earlier_2, o.earlier_3, o.earlier_4, o.later_at,
                        o.earlier_in_currency_1, o.earlier_in_currency_2, o.earlier_in_currency_3, o.earlier_in_currency_4, o.later_in_currency_at)
                       IS DISTINCT FROM
                       (c.earlier_1, c.earlier_2, c.earlier_3, c.earlier_4, c.later_at,
                        c.earlier_in_currency_1, c.earlier_in_currency_2, c.earlier_in_currency_3, c.earlier_in_currency_4, c.later_in_currency_at)
                   )::bigint
            FROM analytics_orders o JOIN (
                SELECT order_id,
                       lag(placed_at, 1) OVER anyCurrency AS earlier_1, lag(placed_at, 2) OVER anyCurrency AS earlier_2,
                       lag(placed_at, 3) OVER anyCurrency AS earlier_3, lag(placed_at, 4) OVER anyCurrency AS earlier_4,
                       lead(placed_at) OVER anyCurrency AS later_at,
                       lag(placed_at, 1) OVER sameCurrency AS earlier_in_currency_1, lag(placed_at, 2) OVER sameCurrency AS earlier_in_currency_2,
                       lag(placed_at, 3) OVER sameCurrency AS earlier_in_currency_3, lag(placed_at, 4) OVER sameCurrency AS earlier_in_currency_4,
                       lead(placed_at) OVER sameCurrency AS later_in_currency_at
                FROM analytics_orders WHERE customer_kind = 'customer'
                WINDOW anyCurrency AS (PARTITION BY customer_id ORDER BY placed_at, order_id),
                       sameCurrency AS (PARTITION BY customer_id, currency ORDER BY placed_at, order_id)
            ) c USING (order_id)
            """
        ).decode((Int64, Int64, Int64).self).collectAll()[0]
        #expect(counts.0 > 50 && counts.1 > 0, "customer orders, with neighbours on both sides: \(counts)")
        #expect(counts.2 == 0, "orders whose neighbours differ from the window functions'")
    }

    /// Writes a synthetic history whose events carry business times over `days` days up to now.
    static func loadHistory(_ postgres: PostgresClient, days: Int = 70) async throws -> [SyntheticHistory.Append] {
        let now = Date()
        let today = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
        let start = today.addingTimeInterval(-Double(days - 1) * 86_400)
        var history = SyntheticHistory(seed: 2026, start: start)
        history.customers = 25
        history.horizon = now
        var appends = try history.catalog(products: 8)
        // Thresholds on every third SKU, high enough that some of them are low.
        let skus = appends.filter { $0.stream.hasPrefix("inventory-") }.map { String($0.stream.dropFirst("inventory-".count)) }
        for (index, sku) in skus.enumerated() where index % 3 == 0 {
            let events = try Inventory.decide(.setLowStockThreshold(sku: try SKU(sku), threshold: 150 + index), Inventory.initialState, DecisionContext(now: start))
            appends.append(SyntheticHistory.Append(stream: "inventory-\(sku)", events: events.map { EventCodec.encode($0) }, occurredAt: events.map { _ in start }))
        }
        let store = PostgresEventStore(client: postgres, logger: TestEnvironment.logger)
        try await store.append(try SyntheticHistory.streamAppends(appends))
        for day in 0..<days {
            let dayStart = start.addingTimeInterval(Double(day) * 86_400)
            var moments: [(TimeInterval, Int)] = (0..<12).map { _ in (Double(history.random(below: 86_400)), history.random(below: 13)) }
            moments.sort { $0.0 < $1.0 }
            for (offset, kind) in moments {
                let time = dayStart.addingTimeInterval(offset)
                guard time < now.addingTimeInterval(-60) else { continue }
                history.advance(to: time)
                let made = switch kind {
                case 0, 1: try history.abandonedCart()
                case 2: try history.abandonedCart(withLines: false)
                case 10, 11, 12: [try history.browsing()]
                default: try history.order()
                }
                appends += made
                try await store.append(try SyntheticHistory.streamAppends(made))
            }
        }
        return appends
    }
}

/// Applies the stored events to every read model in batches of `size`, as the projector would.
func projectInBatches(_ postgres: PostgresClient, size: Int) async throws {
    let events = try await readEverything(PostgresEventStore(client: postgres, logger: TestEnvironment.logger))
    for start in stride(from: 0, to: events.count, by: size) {
        let batch = Array(events[start..<min(events.count, start + size)])
        _ = try await postgres.withTransaction(logger: TestEnvironment.logger) { connection in
            try await ProjectionApplier.apply(batch, to: WorkerSet.projections, on: connection, logger: TestEnvironment.logger)
        }
    }
}

/// Units per view to four places, rounded half away from zero, by integers.
func perView(_ units: Int64, _ views: Int64) -> Double? {
    guard views > 0 else { return nil }
    let tenThousandths = roundedAverage(units * 10_000, views)!
    return Double(tenThousandths) / 10_000
}

func roundedAverage(_ total: Int64, _ count: Int64) -> Int64? {
    guard count > 0 else { return nil }
    // Half away from zero, by hand: twice the remainder against the divisor.
    let quotient = total / count
    let remainder = total % count
    return 2 * abs(remainder) >= count ? quotient + (total < 0 ? -1 : 1) : quotient
}

// MARK: - The independent fold

struct SalesKey: Hashable {
    let period: String
    let currency: String
}

struct SalesFigures: Equatable {
    var ordersPlaced: Int64 = 0
    var ordersPaid: Int64 = 0
    var gross: Int64 = 0
    var discounts: Int64 = 0
    var tax: Int64 = 0
    var shipping: Int64 = 0
    var paid: Int64 = 0
    var refunds: Int64 = 0
    var units: Int64 = 0
    var ordersCancelled: Int64 = 0
    var cancelledValue: Int64 = 0

    static func + (a: SalesFigures, b: SalesFigures) -> SalesFigures {
        SalesFigures(
            ordersPlaced: a.ordersPlaced + b.ordersPlaced, ordersPaid: a.ordersPaid + b.ordersPaid, gross: a.gross + b.gross,
            discounts: a.discounts + b.discounts, tax: a.tax + b.tax, shipping: a.shipping + b.shipping, paid: a.paid + b.paid,
            refunds: a.refunds + b.refunds, units: a.units + b.units, ordersCancelled: a.ordersCancelled + b.ordersCancelled,
            cancelledValue: a.cancelledValue + b.cancelledValue
        )
    }
}

struct ProductKey: Hashable {
    let product: String
    let currency: String
}

struct ProductFigures: Equatable {
    var unitsSold: Int64 = 0
    var revenue: Int64 = 0
    var unitsReturned: Int64 = 0
    var returnedValue: Int64 = 0
}

/// What every report should say, folded straight from the domain events and their times.
struct ExpectedFigures {
    var sales: [SalesKey: SalesFigures] = [:]
    var products: [ProductKey: ProductFigures] = [:]
    var categories: [String: [String]] = [:]
    var funnel: [Int64] = [0, 0, 0, 0, 0]
    var abandoned: [SalesKey: (carts: Int64, value: Int64)] = [:]
    var abandonedCarts: [(id: String, at: Date, value: Int64)] = []
    var newCustomers: [String: Int64] = [:]
    var distribution: [Int64] = [0, 0, 0, 0, 0]
    /// Every signed-in customer's order: who, in which currency, on which local day.
    var customerOrders: [(customer: String, currency: String, day: String)] = []
    var lowStock: [String: [Int64]] = [:]
    /// Product views by product and local day.
    var viewsByDay: [String: [String: Int64]] = [:]
    let days: [String]
    var firstDay: String { days.first! }
    var lastDay: String { days.last! }

    /// The product's views from day `from` through `to`.
    func views(of product: String, from: String, to: String) -> Int64 {
        viewsByDay[product, default: [:]].filter { $0.key >= from && $0.key <= to }.values.reduce(0, +)
    }

    /// Customers by how many orders (1, 2, 3, 4, 5 or more) they placed from day `from` through
    /// `to`, in `currency` or any.
    func distribution(from: String, to: String, currency: String?) -> [Int64] {
        var counts: [String: Int64] = [:]
        for order in customerOrders where order.day >= from && order.day <= to && (currency == nil || order.currency == currency) {
            counts[order.customer, default: 0] += 1
        }
        var distribution: [Int64] = [0, 0, 0, 0, 0]
        for count in counts.values { distribution[Int(min(count, 5)) - 1] += 1 }
        return distribution
    }

    init(history: [SyntheticHistory.Append], zone: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone)!
        func day(_ date: Date) -> String {
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
        }
        let times = history.flatMap(\.occurredAt)
        let first = calendar.startOfDay(for: times.min()!)
        let now = Date()
        var days: [String] = []
        var cursor = first
        while cursor <= now {
            days.append(day(cursor))
            cursor = calendar.date(byAdding: .day, value: 1, to: cursor)!
        }
        self.days = days

        struct OrderFacts {
            let currency: String
            let total: Int64
            let lines: [OrderLine]
            var paid = false
            var cancelled = false
        }
        var orders: [String: OrderFacts] = [:]
        var carts: [String: (currency: String, lines: [String: (Int64, Int64)], gotLine: Bool)] = [:]
        var firstOrders: [String: Date] = [:]
        var ordersInPeriod: [String: Int64] = [:]
        var levels: [String: Int64] = [:]
        var thresholds: [String: Int64] = [:]
        var sold28: [String: Int64] = [:]
        let windowStart = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400 - 27 * 86_400)

        for append in history {
            for (encoded, time) in zip(append.events, append.occurredAt) {
                let key = { (currency: String) in SalesKey(period: day(time), currency: currency) }
                if append.stream.hasPrefix("activity-"), case .productViewed(let viewed)? = try? EventCodec.decode(ActivityEvent.self, encoded) {
                    viewsByDay[viewed.productId.rawValue, default: [:]][day(time), default: 0] += 1
                }
                if append.stream.hasPrefix("order-"), let event = try? EventCodec.decode(OrderEvent.self, encoded) {
                    switch event {
                    case .placed(let placed):
                        let currency = placed.totals.total.currency.code
                        orders[placed.orderId.rawValue] = OrderFacts(currency: currency, total: placed.totals.total.amount, lines: placed.lines)
                        sales[key(currency), default: SalesFigures()].ordersPlaced += 1
                        sales[key(currency)]!.gross += placed.totals.subtotal.amount
                        sales[key(currency)]!.tax += placed.totals.tax.amount
                        sales[key(currency)]!.shipping += placed.totals.shipping.amount
                        if case .customer(let customer) = placed.customer {
                            firstOrders[customer.rawValue] = min(firstOrders[customer.rawValue] ?? time, time)
                            ordersInPeriod[customer.rawValue, default: 0] += 1
                            customerOrders.append((customer.rawValue, currency, day(time)))
                        }
                    case .paid(let paid):
                        let order = orders[paid.orderId.rawValue]!
                        orders[paid.orderId.rawValue]!.paid = true
                        sales[key(order.currency), default: SalesFigures()].ordersPaid += 1
                        sales[key(order.currency)]!.paid += paid.amount.amount
                        funnel[3] += 1
                        for line in order.lines {
                            sales[key(order.currency)]!.units += Int64(line.quantity)
                            products[ProductKey(product: line.productId.rawValue, currency: order.currency), default: ProductFigures()].unitsSold += Int64(line.quantity)
                            products[ProductKey(product: line.productId.rawValue, currency: order.currency)]!.revenue += line.unitPrice.amount * Int64(line.quantity)
                            if time >= windowStart { sold28[line.sku.rawValue, default: 0] += Int64(line.quantity) }
                        }
                    case .cancelled(let cancelled):
                        let order = orders[cancelled.orderId.rawValue]!
                        orders[cancelled.orderId.rawValue]!.cancelled = true
                        sales[key(order.currency), default: SalesFigures()].ordersCancelled += 1
                        sales[key(order.currency)]!.cancelledValue += order.total
                        if order.paid {
                            for line in order.lines {
                                sales[key(order.currency)]!.units -= Int64(line.quantity)
                                products[ProductKey(product: line.productId.rawValue, currency: order.currency), default: ProductFigures()].unitsSold -= Int64(line.quantity)
                                products[ProductKey(product: line.productId.rawValue, currency: order.currency)]!.revenue -= line.unitPrice.amount * Int64(line.quantity)
                                if time >= windowStart { sold28[line.sku.rawValue, default: 0] -= Int64(line.quantity) }
                            }
                        }
                    case .returnRecorded(let returned):
                        let order = orders[returned.orderId.rawValue]!
                        for line in returned.lines {
                            let ordered = order.lines.first { $0.sku == line.sku }!
                            products[ProductKey(product: ordered.productId.rawValue, currency: order.currency), default: ProductFigures()].unitsReturned += Int64(line.quantity)
                            products[ProductKey(product: ordered.productId.rawValue, currency: order.currency)]!.returnedValue += ordered.unitPrice.amount * Int64(line.quantity)
                        }
                    case .refunded(let refunded):
                        sales[key(refunded.amount.currency.code), default: SalesFigures()].refunds += refunded.amount.amount
                    case .shipped:
                        funnel[4] += 1
                    default:
                        break
                    }
                } else if append.stream.hasPrefix("cart-"), let event = try? EventCodec.decode(CartEvent.self, encoded) {
                    switch event {
                    case .created(let created):
                        carts[created.cartId.rawValue] = (created.currency.code, [:], false)
                        funnel[0] += 1
                    case .itemAdded(let added):
                        carts[added.cartId.rawValue]!.lines[added.line.sku.rawValue] = (Int64(added.line.quantity), added.line.unitPrice.amount)
                        if !carts[added.cartId.rawValue]!.gotLine {
                            carts[added.cartId.rawValue]!.gotLine = true
                            funnel[1] += 1
                        }
                    case .checkedOut:
                        funnel[2] += 1
                    case .abandoned(let abandoned):
                        let cart = carts[abandoned.cartId.rawValue]!
                        let value = cart.lines.values.reduce(0) { $0 + $1.0 * $1.1 }
                        self.abandoned[key(cart.currency), default: (0, 0)].carts += 1
                        self.abandoned[key(cart.currency)]!.value += value
                        abandonedCarts.append((abandoned.cartId.rawValue, time, value))
                    default:
                        break
                    }
                } else if append.stream.hasPrefix("inventory-"), let event = try? EventCodec.decode(InventoryEvent.self, encoded) {
                    switch event {
                    case .received(let e): levels[e.sku.rawValue] = Int64(e.levels.available)
                    case .adjusted(let e): levels[e.sku.rawValue] = Int64(e.levels.available)
                    case .reserved(let e): levels[e.sku.rawValue] = Int64(e.levels.available)
                    case .released(let e): levels[e.sku.rawValue] = Int64(e.levels.available)
                    case .committed(let e): levels[e.sku.rawValue] = Int64(e.levels.available)
                    case .thresholdSet(let e): thresholds[e.sku.rawValue] = Int64(e.threshold)
                    default: break
                    }
                } else if append.stream.hasPrefix("product-"), let event = try? EventCodec.decode(ProductEvent.self, encoded), case .created(let created) = event {
                    categories[created.productId.rawValue] = created.categoryPath
                }
            }
        }
        for first in firstOrders.values { newCustomers[day(first), default: 0] += 1 }
        for day in days where newCustomers[day] == nil { newCustomers[day] = 0 }
        for count in ordersInPeriod.values { distribution[Int(min(count, 5)) - 1] += 1 }
        precondition(distribution == self.distribution(from: days.first!, to: days.last!, currency: nil))
        for (sku, available) in levels where available <= 0 || thresholds[sku].map({ available <= $0 }) == true {
            lowStock[sku] = [available, thresholds[sku] ?? -1, sold28[sku, default: 0]]
        }
    }
}

// MARK: - The answers, decoded here

struct SalesReport: Decodable {
    struct Item: Decodable {
        let period: String
        let currency: String
        let ordersPlaced, ordersPaid, grossMerchandiseValue, discounts, tax, shipping, paid, refunds, netRevenue, unitsSold, ordersCancelled, cancelledValue: Int64
        let averageOrderValue: Int64?

        var figures: SalesFigures {
            SalesFigures(ordersPlaced: ordersPlaced, ordersPaid: ordersPaid, gross: grossMerchandiseValue, discounts: discounts, tax: tax, shipping: shipping,
                         paid: paid, refunds: refunds, units: unitsSold, ordersCancelled: ordersCancelled, cancelledValue: cancelledValue)
        }
    }
    let items: [Item]
}

struct TopReport: Decodable {
    struct Item: Decodable {
        let productId: String
        let unitsSold, revenue, unitsReturned, returnedValue, netRevenue: Int64
        let views: Int64
        let unitsSoldPerView: Double?
        var figures: ProductFigures { ProductFigures(unitsSold: unitsSold, revenue: revenue, unitsReturned: unitsReturned, returnedValue: returnedValue) }
    }
    let items: [Item]
}

struct FunnelReport: Decodable {
    struct Step: Decodable {
        let step: String
        let count: Int64
    }
    let steps: [Step]
}

struct AbandonedReport: Decodable {
    struct Day: Decodable {
        let day: String
        let currency: String
        let carts: Int64
        let value: Int64
    }
    struct Cart: Decodable {
        let cartId: String
        let value: Int64
    }
    let days: [Day]
    let recent: [Cart]
}

struct CustomersReport: Decodable {
    struct Day: Decodable {
        let day: String
        let newCustomers: Int64
    }
    struct Bucket: Decodable {
        let orders: String
        let customers: Int64
    }
    let days: [Day]
    let customersWithOrders: Int64
    let repeatCustomers: Int64
    let distribution: [Bucket]
}

struct LowStockReport: Decodable {
    struct Item: Decodable {
        let sku: String
        let available: Int64
        let threshold: Int64?
        let unitsSoldLast28Days: Int64
    }
    let items: [Item]
}

extension APIClient {
    func report<Report: Decodable>(_: Report.Type, _ path: String, token: String) async throws -> Report {
        let answer = try await raw(path, token: token)
        #expect(answer.status == .ok, "\(path): \(answer.body)")
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(Report.self, from: Data(answer.body.utf8))
    }

    func raw(_ path: String, token: String, accept: String? = nil) async throws -> (status: HTTPResponse.Status, headers: HTTPFields, body: String) {
        var headers: HTTPFields = [.authorization: "Bearer \(token)"]
        if let accept { headers[.accept] = accept }
        return try await client.execute(uri: path, method: .get, headers: headers) { response in
            (response.status, response.headers, String(buffer: response.body))
        }
    }
}
