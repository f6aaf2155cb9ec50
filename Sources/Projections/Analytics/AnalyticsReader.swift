import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The reports, read from the analytics tables. Every report covers whole local days of one
/// time zone, `from` through `to`; the rollups' quarter hours make that exact for any zone.
///
/// Money is in minor units. The average order value is the amount paid divided by the orders
/// paid, rounded half away from zero (PostgreSQL's `round` on `numeric`).
public struct AnalyticsReader: Sendable {
    /// A validated period: local dates `from` through `to` (inclusive), both `YYYY-MM-DD`, in an IANA zone.
    public struct Period: Sendable, Equatable {
        public let from: String
        public let to: String
        public let timeZone: String

        public init(from: String, to: String, timeZone: String) {
            self.from = from
            self.to = to
            self.timeZone = timeZone
        }
    }

    public enum Granularity: String, Sendable, CaseIterable {
        case day, week, month
    }

    public struct SalesPeriod: Sendable, Codable, Equatable {
        /// The period's first day (weeks start on Monday).
        public let period: String
        public let currency: String
        public let ordersPlaced: Int64
        public let ordersPaid: Int64
        public let grossMerchandiseValue: Int64
        public let discounts: Int64
        public let tax: Int64
        public let shipping: Int64
        public let paid: Int64
        public let refunds: Int64
        /// Paid less refunded.
        public let netRevenue: Int64
        public let averageOrderValue: Int64?
        public let unitsSold: Int64
        public let ordersCancelled: Int64
        public let cancelledValue: Int64
    }

    public struct ProductFigures: Sendable, Codable, Equatable {
        public let rank: Int64
        public let currency: String
        public let productId: String
        public let name: String?
        public let categoryPath: String?
        public let unitsSold: Int64
        public let revenue: Int64
        public let unitsReturned: Int64
        public let returnedValue: Int64
        /// Revenue less the value of returned units.
        public let netRevenue: Int64
        /// Units returned per unit sold, 0…1 to four places; nil with nothing sold.
        public let refundRate: Double?
        /// Times the product's page was viewed in the period (in any currency's row: views have none).
        public let views: Int64
        /// Units sold per view, to four places (views against purchases); nil with no views.
        public let unitsSoldPerView: Double?
    }

    public enum ProductRanking: String, Sendable, CaseIterable {
        case units, revenue
    }

    public struct FunnelStep: Sendable, Codable, Equatable {
        public let step: String
        public let count: Int64
        /// Of the previous step's count (the first step: 1); nil when that count is 0.
        public let conversionFromPrevious: Double?
        public let conversionFromStart: Double?
    }

    public struct Funnel: Sendable, Codable, Equatable {
        public let steps: [FunnelStep]
    }

    public struct AbandonedDay: Sendable, Codable, Equatable {
        public let day: String
        public let currency: String
        public let carts: Int64
        public let value: Int64
    }

    public struct AbandonedCart: Sendable, Codable, Equatable {
        public let cartId: String
        public let customerKind: String
        public let customerId: String
        public let currency: String
        public let value: Int64
        public let items: Int64
        public let lines: JSONFragment
        public let abandonedAt: Date
    }

    public struct AbandonedCarts: Sendable, Codable, Equatable {
        public let days: [AbandonedDay]
        /// The most recently abandoned carts of the period, newest first.
        public let recent: [AbandonedCart]
    }

    public struct NewCustomersDay: Sendable, Codable, Equatable {
        public let day: String
        public let newCustomers: Int64
    }

    public struct OrdersPerCustomer: Sendable, Codable, Equatable {
        /// "1", "2", "3", "4" or "5+".
        public let orders: String
        public let customers: Int64
    }

    public struct Customers: Sendable, Codable, Equatable {
        public let days: [NewCustomersDay]
        /// Signed-in customers with an order placed in the period, and those with two or more.
        public let customersWithOrders: Int64
        public let repeatCustomers: Int64
        public let repeatPurchaseRate: Double?
        public let distribution: [OrdersPerCustomer]
    }

    public struct LowStockItem: Sendable, Codable, Equatable {
        public let sku: String
        public let productId: String?
        public let name: String?
        public let onHand: Int64
        public let reserved: Int64
        public let available: Int64
        public let threshold: Int64?
        public let unitsSoldLast28Days: Int64
        /// Available stock over the average daily sales of the last 28 days, to one place; nil without sales.
        public let daysOfCover: Double?
        public let outOfStock: Bool
    }

    let client: PostgresClient
    let logger: Logger
    private let zones = TimeZoneNames()

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Whether PostgreSQL, which does the reports' calendar arithmetic, knows the zone by this name.
    public func knowsTimeZone(_ name: String) async throws -> Bool {
        if let known = zones.names.withLock({ $0 }) { return known.contains(name) }
        // Reading pg_timezone_names walks the zone files: once per process.
        let names = try await client.query("SELECT name FROM pg_timezone_names", logger: logger).decode(String.self).collectAll()
        let known = Set(names)
        zones.names.withLock { $0 = known }
        return known.contains(name)
    }

    /// One report period in UTC seconds, `start..<end`, labelled with its first local day.
    struct Span {
        let label: String
        let start: Int64
        let end: Int64
    }

    /// The period cut into days, weeks (from Monday) or months of its zone, each clipped to the
    /// period; or, without a granularity, the whole period as one span.
    func spans(_ period: Period, granularity: Granularity?) async throws -> [Span] {
        guard let unit = granularity?.rawValue else {
            let (start, end) = try await client.query(
                """
                SELECT extract(epoch FROM \(period.from)::date::timestamp AT TIME ZONE \(period.timeZone))::bigint,
                       extract(epoch FROM (\(period.to)::date + 1)::timestamp AT TIME ZONE \(period.timeZone))::bigint
                """,
                logger: logger
            ).decode((Int64, Int64).self).collectAll()[0]
            return [Span(label: period.from, start: start, end: end)]
        }
        return try await client.query(
            """
            SELECT to_char(p, 'YYYY-MM-DD'),
                   extract(epoch FROM greatest(p, \(period.from)::date::timestamp) AT TIME ZONE \(period.timeZone))::bigint,
                   extract(epoch FROM least(p + ('1 ' || \(unit))::interval, \(period.to)::date::timestamp + interval '1 day') AT TIME ZONE \(period.timeZone))::bigint
            FROM generate_series(date_trunc(\(unit), \(period.from)::date::timestamp), \(period.to)::date::timestamp, ('1 ' || \(unit))::interval) AS p
            ORDER BY p
            """,
            logger: logger
        ).decode((String, Int64, Int64).self).collectAll().map { Span(label: $0.0, start: $0.1, end: $0.2) }
    }

    /// The rollup rows that cover the spans exactly, as arrays for `unnest` (see ``RollupTier``):
    /// each range's tier, bounds, span (its index in `spans`) and sign.
    ///
    /// A signed cover reads the fewest rows — a year of Berlin days is 365 UTC days and two
    /// hours each rather than 8,760 hours — and serves sums; an unsigned one tiles the spans
    /// exactly, for asking which keys had activity in them.
    struct Cover {
        var tiers: [Int32] = []
        var froms: [Date] = []
        var tos: [Date] = []
        var spans: [Int32] = []
        var signs: [Int32] = []

        init(_ spans: [Span], signed: Bool, keeping kept: [RollupTier] = RollupTier.all) {
            for (index, span) in spans.enumerated() {
                for range in RollupTier.cover(from: span.start, to: span.end, signed: signed, tiers: kept) {
                    tiers.append(Int32(range.tier.rawValue))
                    froms.append(Date(timeIntervalSince1970: Double(range.from)))
                    tos.append(Date(timeIntervalSince1970: Double(range.to)))
                    self.spans.append(Int32(index))
                    signs.append(range.sign)
                }
            }
        }
    }

    /// Sales per period and currency; periods without any figure are listed with zeros.
    public func sales(_ period: Period, granularity: Granularity, currency: String?) async throws -> [SalesPeriod] {
        let spans = try await spans(period, granularity: granularity)
        let cover = Cover(spans, signed: true)
        let rows = try await client.query(
            """
            WITH figures AS (
                SELECT r.span, s.currency,
                       sum(orders_placed * r.sign) AS placed, sum(orders_paid * r.sign) AS paid_orders, sum(gross * r.sign) AS gross,
                       sum(discounts * r.sign) AS discounts, sum(tax * r.sign) AS tax, sum(shipping * r.sign) AS shipping, sum(paid * r.sign) AS paid,
                       sum(refunds * r.sign) AS refunds, sum(units_sold * r.sign) AS units, sum(orders_cancelled * r.sign) AS cancelled,
                       sum(cancelled_value * r.sign) AS cancelled_value
                FROM unnest(\(cover.tiers)::int[], \(cover.froms)::timestamptz[], \(cover.tos)::timestamptz[], \(cover.spans)::int[], \(cover.signs)::int[])
                     AS r(tier, f, t, span, sign)
                -- LATERAL with OFFSET 0, which keeps the planner from flattening it into a hash join on the tier (a scan of
                -- the whole tier per range): one index range scan per covering range.
                CROSS JOIN LATERAL (SELECT * FROM analytics_sales WHERE tier = r.tier AND bucket >= r.f AND bucket < r.t OFFSET 0) s
                WHERE \(currency ?? "") = '' OR s.currency = \(currency ?? "")
                GROUP BY 1, 2
            ),
            -- Currencies with a figure in the period (rows from outside it, added and taken away, cancel out).
            currencies AS (
                SELECT DISTINCT currency FROM figures
                WHERE (placed, paid_orders, gross, discounts, tax, shipping, paid, refunds, units, cancelled, cancelled_value) <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
                UNION SELECT \(currency ?? "") WHERE \(currency ?? "") <> ''
            )
            SELECT p.i, c.currency, coalesce(f.placed, 0)::bigint, coalesce(f.paid_orders, 0)::bigint,
                   coalesce(f.gross, 0)::bigint, coalesce(f.discounts, 0)::bigint, coalesce(f.tax, 0)::bigint, coalesce(f.shipping, 0)::bigint,
                   coalesce(f.paid, 0)::bigint, coalesce(f.refunds, 0)::bigint,
                   CASE WHEN coalesce(f.paid_orders, 0) > 0 THEN round(f.paid::numeric / f.paid_orders)::bigint END,
                   coalesce(f.units, 0)::bigint, coalesce(f.cancelled, 0)::bigint, coalesce(f.cancelled_value, 0)::bigint
            FROM generate_series(0, \(Int32(spans.count)) - 1) AS p(i) CROSS JOIN currencies c LEFT JOIN figures f ON f.span = p.i AND f.currency = c.currency
            ORDER BY 1, 2
            """,
            logger: logger
        )
        var result: [SalesPeriod] = []
        for try await (index, currency, placed, paidOrders, gross, discounts, tax, shipping, paid, refunds, average, units, cancelled, cancelledValue) in rows.decode(
            (Int32, String, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64?, Int64, Int64, Int64).self
        ) {
            result.append(SalesPeriod(
                period: spans[Int(index)].label, currency: currency, ordersPlaced: placed, ordersPaid: paidOrders, grossMerchandiseValue: gross,
                discounts: discounts, tax: tax, shipping: shipping, paid: paid, refunds: refunds, netRevenue: paid - refunds, averageOrderValue: average,
                unitsSold: units, ordersCancelled: cancelled, cancelledValue: cancelledValue
            ))
        }
        return result
    }

    /// The top `limit` products per currency by units sold or by net revenue; `category` keeps
    /// products whose category path is it or lies under it.
    public func topProducts(_ period: Period, by ranking: ProductRanking, limit: Int, category: String?, currency: String?) async throws -> [ProductFigures] {
        // Unsigned: a product is listed when it had activity in the period.
        let cover = Cover(try await spans(period, granularity: nil), signed: false, keeping: RollupTier.perSKU)
        let rows = try await client.query(
            """
            WITH figures AS (
                SELECT s.currency, s.product_id, sum(s.units_sold) AS units, sum(s.revenue) AS revenue,
                       sum(s.units_returned) AS returned, sum(s.returned_value) AS returned_value
                FROM unnest(\(cover.tiers)::int[], \(cover.froms)::timestamptz[], \(cover.tos)::timestamptz[]) AS r(tier, f, t)
                CROSS JOIN LATERAL (SELECT * FROM analytics_sku_sales WHERE tier = r.tier AND bucket >= r.f AND bucket < r.t OFFSET 0) s
                WHERE \(currency ?? "") = '' OR s.currency = \(currency ?? "")
                GROUP BY 1, 2
            ),
            ranked AS (
                SELECT f.*, p.name, p.category_path,
                       row_number() OVER (PARTITION BY f.currency ORDER BY
                           CASE WHEN \(ranking.rawValue) = 'units' THEN f.units ELSE f.revenue - f.returned_value END DESC, f.product_id) AS rank
                FROM figures f LEFT JOIN analytics_products p ON p.product_id = f.product_id
                WHERE \(category ?? "") = '' OR p.category_path = \(category ?? "") OR left(p.category_path, length(\(category ?? "")) + 1) = \(category ?? "") || '/'
            ),
            top AS (SELECT * FROM ranked WHERE rank <= \(limit)),
            -- The listed products' views in the period (views have no currency: every currency's row shows them all).
            viewed AS (
                SELECT v.product_id, sum(v.views) AS views
                FROM unnest(\(cover.tiers)::int[], \(cover.froms)::timestamptz[], \(cover.tos)::timestamptz[]) AS r(tier, f, t)
                CROSS JOIN LATERAL (
                    SELECT * FROM analytics_product_views
                    WHERE tier = r.tier AND bucket >= r.f AND bucket < r.t AND product_id IN (SELECT product_id FROM top) OFFSET 0
                ) v
                GROUP BY 1
            )
            SELECT t.rank, t.currency, t.product_id, t.name, t.category_path, t.units::bigint, t.revenue::bigint, t.returned::bigint, t.returned_value::bigint,
                   CASE WHEN t.units > 0 THEN round(t.returned::numeric / t.units, 4)::float8 END,
                   coalesce(v.views, 0)::bigint, CASE WHEN v.views > 0 THEN round(t.units::numeric / v.views, 4)::float8 END
            FROM top t LEFT JOIN viewed v ON v.product_id = t.product_id ORDER BY t.currency, t.rank
            """,
            logger: logger
        )
        var result: [ProductFigures] = []
        for try await (rank, currency, product, name, path, units, revenue, returned, returnedValue, rate, views, perView) in rows.decode(
            (Int64, String, String, String?, String?, Int64, Int64, Int64, Int64, Double?, Int64, Double?).self
        ) {
            result.append(ProductFigures(
                rank: rank, currency: currency, productId: product, name: name, categoryPath: path, unitsSold: units, revenue: revenue,
                unitsReturned: returned, returnedValue: returnedValue, netRevenue: revenue - returnedValue, refundRate: rate,
                views: views, unitsSoldPerView: perView
            ))
        }
        return result
    }

    /// Carts created → carts with a line → checkouts → orders paid → orders shipped, each step
    /// counted by when it happened within the period.
    public func funnel(_ period: Period, currency: String?) async throws -> Funnel {
        let cover = Cover(try await spans(period, granularity: nil), signed: true)
        let rows = try await client.query(
            """
            SELECT coalesce(sum(carts_created * r.sign), 0)::bigint, coalesce(sum(carts_with_line * r.sign), 0)::bigint,
                   coalesce(sum(checkouts * r.sign), 0)::bigint, coalesce(sum(orders_paid * r.sign), 0)::bigint,
                   coalesce(sum(orders_shipped * r.sign), 0)::bigint
            FROM unnest(\(cover.tiers)::int[], \(cover.froms)::timestamptz[], \(cover.tos)::timestamptz[], \(cover.signs)::int[]) AS r(tier, f, t, sign)
            CROSS JOIN LATERAL (SELECT * FROM analytics_funnel WHERE tier = r.tier AND bucket >= r.f AND bucket < r.t OFFSET 0) s
            WHERE \(currency ?? "") = '' OR s.currency = \(currency ?? "")
            """,
            logger: logger
        ).decode((Int64, Int64, Int64, Int64, Int64).self).collectAll()
        let (created, withLine, checkouts, paid, shipped) = rows[0]
        let counts = [("cartsCreated", created), ("cartsWithLine", withLine), ("checkouts", checkouts), ("ordersPaid", paid), ("ordersShipped", shipped)]
        func rate(_ part: Int64, _ whole: Int64) -> Double? {
            whole > 0 ? (Double(part) / Double(whole) * 10_000).rounded() / 10_000 : nil
        }
        return Funnel(steps: counts.enumerated().map { index, step in
            FunnelStep(step: step.0, count: step.1, conversionFromPrevious: index == 0 ? rate(step.1, step.1) : rate(step.1, counts[index - 1].1),
                       conversionFromStart: rate(step.1, created))
        })
    }

    /// Abandoned carts per day and currency, and the `limit` most recent ones with their lines.
    public func abandonedCarts(_ period: Period, currency: String?, limit: Int) async throws -> AbandonedCarts {
        let spans = try await spans(period, granularity: .day)
        let cover = Cover(spans, signed: true)
        let dayRows = try await client.query(
            """
            SELECT r.span, s.currency, sum(s.carts_abandoned * r.sign)::bigint, sum(s.abandoned_value * r.sign)::bigint
            FROM unnest(\(cover.tiers)::int[], \(cover.froms)::timestamptz[], \(cover.tos)::timestamptz[], \(cover.spans)::int[], \(cover.signs)::int[])
                 AS r(tier, f, t, span, sign)
            CROSS JOIN LATERAL (SELECT * FROM analytics_funnel WHERE tier = r.tier AND bucket >= r.f AND bucket < r.t OFFSET 0) s
            WHERE \(currency ?? "") = '' OR s.currency = \(currency ?? "")
            GROUP BY 1, 2 HAVING sum(s.carts_abandoned * r.sign) > 0 ORDER BY 1, 2
            """,
            logger: logger
        )
        var days: [AbandonedDay] = []
        for try await (index, currency, carts, value) in dayRows.decode((Int32, String, Int64, Int64).self) {
            days.append(AbandonedDay(day: spans[Int(index)].label, currency: currency, carts: carts, value: value))
        }
        let cartRows = try await client.query(
            """
            SELECT cart_id, owner_kind, owner_id, currency,
                   coalesce((SELECT sum((l->>'unitPrice')::bigint * (l->>'quantity')::bigint) FROM jsonb_array_elements(lines) l), 0)::bigint,
                   coalesce((SELECT sum((l->>'quantity')::bigint) FROM jsonb_array_elements(lines) l), 0)::bigint,
                   lines::text, abandoned_at
            FROM analytics_carts
            WHERE abandoned_at >= \(Date(timeIntervalSince1970: Double(spans.first?.start ?? 0)))
              AND abandoned_at < \(Date(timeIntervalSince1970: Double(spans.last?.end ?? 0)))
              AND (\(currency ?? "") = '' OR currency = \(currency ?? ""))
            ORDER BY abandoned_at DESC, cart_id LIMIT \(limit)
            """,
            logger: logger
        )
        var recent: [AbandonedCart] = []
        for try await (id, kind, owner, currency, value, items, lines, abandonedAt) in cartRows.decode((String, String, String, String, Int64, Int64, String, Date).self) {
            recent.append(AbandonedCart(cartId: id, customerKind: kind, customerId: owner, currency: currency, value: value, items: items,
                                        lines: JSONFragment(lines), abandonedAt: abandonedAt))
        }
        return AbandonedCarts(days: days, recent: recent)
    }

    /// New customers (first order placed) per day; among customers who ordered in the period,
    /// how many ordered more than once, and how many orders each placed. Guests are left out;
    /// `currency` narrows the orders counted, not when a customer first ordered.
    public func customers(_ period: Period, currency: String?) async throws -> Customers {
        // The bounds as instants, computed once (as expressions they would be evaluated per row);
        // each row finds its local day by binary search over the days' starts.
        let daySpans = try await spans(period, granularity: .day)
        let dayStarts = daySpans.map { Date(timeIntervalSince1970: Double($0.start)) }
        let start = dayStarts[0]
        let end = Date(timeIntervalSince1970: Double(daySpans[daySpans.count - 1].end))
        var newPerDay = [Int64](repeating: 0, count: daySpans.count)
        for try await (index, count) in try await client.query(
            """
            SELECT width_bucket(first_order_at, \(dayStarts)::timestamptz[]) - 1, count(*)::bigint FROM analytics_customers
            WHERE first_order_at >= \(start) AND first_order_at < \(end) GROUP BY 1
            """,
            logger: logger
        ).decode((Int32, Int64).self) where newPerDay.indices.contains(Int(index)) {
            newPerDay[Int(index)] = count
        }
        let days = zip(daySpans, newPerDay).map { NewCustomersDay(day: $0.label, newCustomers: $1) }
        // One row per customer: their last order of the period, and how many of the four
        // before it fall in it too (see `0006_analytics_repeat_orders.sql`).
        let distributionRows = try await client.query(
            currency.map { currency in
                """
                SELECT least(1 + coalesce(earlier_in_currency_1 >= \(start), false)::int + coalesce(earlier_in_currency_2 >= \(start), false)::int
                             + coalesce(earlier_in_currency_3 >= \(start), false)::int + coalesce(earlier_in_currency_4 >= \(start), false)::int, 5)::bigint,
                       count(*)::bigint
                FROM analytics_orders
                WHERE customer_kind = 'customer' AND currency = \(currency) AND coalesce(later_in_currency_at, 'infinity') >= \(end)
                  AND placed_at >= \(start) AND placed_at < \(end)
                GROUP BY 1 ORDER BY 1
                """
            } ?? """
                SELECT least(1 + coalesce(earlier_1 >= \(start), false)::int + coalesce(earlier_2 >= \(start), false)::int
                             + coalesce(earlier_3 >= \(start), false)::int + coalesce(earlier_4 >= \(start), false)::int, 5)::bigint,
                       count(*)::bigint
                FROM analytics_orders
                WHERE customer_kind = 'customer' AND coalesce(later_at, 'infinity') >= \(end) AND placed_at >= \(start) AND placed_at < \(end)
                GROUP BY 1 ORDER BY 1
                """,
            logger: logger
        )
        var histogram: [Int64: Int64] = [:]
        for try await (orders, customers) in distributionRows.decode((Int64, Int64).self) { histogram[orders] = customers }
        let total = histogram.values.reduce(0, +)
        let repeatCustomers = total - histogram[1, default: 0]
        return Customers(
            days: days, customersWithOrders: total, repeatCustomers: repeatCustomers,
            repeatPurchaseRate: total > 0 ? (Double(repeatCustomers) / Double(total) * 10_000).rounded() / 10_000 : nil,
            distribution: (1...5).map { OrdersPerCustomer(orders: $0 == 5 ? "5+" : String($0), customers: histogram[Int64($0), default: 0]) }
        )
    }

    /// SKUs with available stock at or below their threshold, or none left, fewest days of cover
    /// first. Days of cover divide by the units sold in the last 28 UTC days, today included.
    public func lowStock(now: Date) async throws -> [LowStockItem] {
        let rows = try await client.query(
            """
            WITH sold AS (
                SELECT sku, sum(units_sold)::bigint AS units FROM analytics_sku_sales
                WHERE tier = \(Int32(RollupTier.day.rawValue)) AND bucket >= (date_trunc('day', \(now) AT TIME ZONE 'UTC') - interval '27 days') AT TIME ZONE 'UTC'
                GROUP BY sku
            )
            SELECT s.sku, s.product_id, p.name, s.on_hand::bigint, s.reserved::bigint, (s.on_hand - s.reserved)::bigint, s.threshold::bigint,
                   coalesce(sold.units, 0)::bigint,
                   CASE WHEN coalesce(sold.units, 0) > 0 THEN round(greatest(s.on_hand - s.reserved, 0) * 28.0 / sold.units, 1)::float8 END
            FROM analytics_stock s
            LEFT JOIN analytics_products p ON p.product_id = s.product_id
            LEFT JOIN sold ON sold.sku = s.sku
            WHERE s.on_hand - s.reserved <= 0 OR s.on_hand - s.reserved <= s.threshold
            ORDER BY (s.on_hand - s.reserved) > 0, 9 NULLS LAST, s.sku
            """,
            logger: logger
        )
        var items: [LowStockItem] = []
        for try await (sku, product, name, onHand, reserved, available, threshold, sold, cover) in rows.decode(
            (String, String?, String?, Int64, Int64, Int64, Int64?, Int64, Double?).self
        ) {
            items.append(LowStockItem(sku: sku, productId: product, name: name, onHand: onHand, reserved: reserved, available: available,
                                      threshold: threshold, unitsSoldLast28Days: sold, daysOfCover: cover, outOfStock: available <= 0))
        }
        return items
    }
}

/// The zone names PostgreSQL knows, read once.
private final class TimeZoneNames: Sendable {
    let names = Mutex<Set<String>?>(nil)
}
