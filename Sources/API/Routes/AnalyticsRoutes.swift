import Foundation
import Hummingbird
import Projections

/// The admin reports (`/admin/analytics/…`, `/admin/inventory/low-stock`): JSON, or CSV on
/// request. Each takes the period (`from`, `to`, `tz`), an optional `currency`, and
/// `minPosition` / `waitMs` like the other queries.
struct AnalyticsRoutes {
    let reader: AnalyticsReader
    let readYourWrites: ReadYourWrites

    enum Format: String, CaseIterable {
        case json, csv
    }

    struct PeriodEcho: Codable, Sendable {
        let from: String
        let to: String
        let timeZone: String
        let currency: String?

        init(_ period: AnalyticsReader.Period, currency: String?) {
            (from, to, timeZone, self.currency) = (period.from, period.to, period.timeZone, currency)
        }
    }

    /// With its `items` (``ReportBody/rowsKey``).
    struct SalesReport: Codable, Sendable {
        let period: PeriodEcho
        let granularity: String
    }

    /// With its `items` (``ReportBody/rowsKey``).
    struct TopProductsReport: Codable, Sendable {
        let period: PeriodEcho
        let by: String
    }

    struct FunnelReport: Codable, Sendable {
        let period: PeriodEcho
        let steps: [AnalyticsReader.FunnelStep]
    }

    struct AbandonedCartsReport: Codable, Sendable {
        let period: PeriodEcho
        let days: [AnalyticsReader.AbandonedDay]
        let recent: [AnalyticsReader.AbandonedCart]
    }

    struct CustomersReport: Codable, Sendable {
        let period: PeriodEcho
        let days: [AnalyticsReader.NewCustomersDay]
        let customersWithOrders: Int64
        let repeatCustomers: Int64
        let repeatPurchaseRate: Double?
        let distribution: [AnalyticsReader.OrdersPerCustomer]
    }

    /// Only its `items` (``ReportBody/rowsKey``).
    struct LowStockReport: Codable, Sendable {}

    func addRoutes(admin: RouterGroup<CommerceRequestContext>) {
        admin.get("analytics/sales") { request, _ in
            let (period, currency) = try await prepare(request)
            let granularity = try ReportPeriod.choice(request.uri.queryParameters["granularity"], field: "granularity", fallback: AnalyticsReader.Granularity.day)
            let items = try await reader.sales(period, granularity: granularity, currency: currency)
            return ReportBody(value: SalesReport(period: PeriodEcho(period, currency: currency), granularity: granularity.rawValue), rows: items, fileName: "sales", rowsKey: "items")
        }
        admin.get("analytics/products/top") { request, _ in
            let (period, currency) = try await prepare(request)
            let query = request.uri.queryParameters
            let ranking = try ReportPeriod.choice(query["by"], field: "by", fallback: AnalyticsReader.ProductRanking.units)
            let category = try QueryParameters.text(query["category"], "category")
            if let category, category.isEmpty || category.count > 200 {
                throw Problem.badRequest("invalid_parameter", "category must be a category path such as Apparel/Shirts", field: "category")
            }
            let items = try await reader.topProducts(period, by: ranking, limit: try QueryParameters.limit(query["limit"]), category: category, currency: currency)
            return ReportBody(value: TopProductsReport(period: PeriodEcho(period, currency: currency), by: ranking.rawValue), rows: items, fileName: "top-products", rowsKey: "items")
        }
        admin.get("analytics/funnel") { request, _ in
            let (period, currency) = try await prepare(request)
            let funnel = try await reader.funnel(period, currency: currency)
            return ReportBody(value: FunnelReport(period: PeriodEcho(period, currency: currency), steps: funnel.steps), rows: funnel.steps, fileName: "funnel")
        }
        admin.get("analytics/abandoned-carts") { request, _ in
            let (period, currency) = try await prepare(request)
            let carts = try await reader.abandonedCarts(period, currency: currency, limit: try QueryParameters.limit(request.uri.queryParameters["limit"]))
            return ReportBody(
                value: AbandonedCartsReport(period: PeriodEcho(period, currency: currency), days: carts.days, recent: carts.recent), rows: carts.recent, fileName: "abandoned-carts"
            )
        }
        admin.get("analytics/customers") { request, _ in
            let (period, currency) = try await prepare(request)
            let customers = try await reader.customers(period, currency: currency)
            return ReportBody(
                value: CustomersReport(
                    period: PeriodEcho(period, currency: currency), days: customers.days, customersWithOrders: customers.customersWithOrders,
                    repeatCustomers: customers.repeatCustomers, repeatPurchaseRate: customers.repeatPurchaseRate, distribution: customers.distribution
                ),
                rows: customers.days, fileName: "customers"
            )
        }
        admin.get("inventory/low-stock") { request, _ in
            _ = try ReportPeriod.choice(request.uri.queryParameters["format"], field: "format", fallback: Format.json)
            try await readYourWrites.wait(request, projection: AnalyticsProjection())
            let items = try await reader.lowStock(now: Date())
            return ReportBody(value: LowStockReport(), rows: items, fileName: "low-stock", rowsKey: "items")
        }
    }

    /// The checks every period report shares: format, period, currency, then read-your-writes.
    private func prepare(_ request: Request) async throws -> (AnalyticsReader.Period, String?) {
        let query = request.uri.queryParameters
        _ = try ReportPeriod.choice(query["format"], field: "format", fallback: Format.json)
        let period = try await ReportPeriod.parse(query, reader: reader)
        let currency = try ReportPeriod.currency(query["currency"])
        try await readYourWrites.wait(request, projection: AnalyticsProjection())
        return (period, currency)
    }
}

extension AnalyticsReader.SalesPeriod: ReportRow {
    static let fieldNames = [
        "period", "currency", "ordersPlaced", "ordersPaid", "grossMerchandiseValue", "discounts", "tax", "shipping", "paid", "refunds",
        "netRevenue", "averageOrderValue", "unitsSold", "ordersCancelled", "cancelledValue",
    ]
    var fields: [ReportField] {
        [.text(period), .text(currency)] + [ordersPlaced, ordersPaid, grossMerchandiseValue, discounts, tax, shipping, paid, refunds, netRevenue].map(ReportField.integer)
            + [.optional(averageOrderValue, ReportField.integer)] + [unitsSold, ordersCancelled, cancelledValue].map(ReportField.integer)
    }
}

extension AnalyticsReader.ProductFigures: ReportRow {
    static let fieldNames = [
        "currency", "rank", "productId", "name", "categoryPath", "unitsSold", "revenue", "unitsReturned", "returnedValue", "netRevenue", "refundRate",
        "views", "unitsSoldPerView",
    ]
    var fields: [ReportField] {
        [.text(currency), .integer(rank), .text(productId), .optional(name, ReportField.text), .optional(categoryPath, ReportField.text)]
            + [unitsSold, revenue, unitsReturned, returnedValue, netRevenue].map(ReportField.integer) + [.optional(refundRate, ReportField.number)]
            + [.integer(views), .optional(unitsSoldPerView, ReportField.number)]
    }
}

extension AnalyticsReader.FunnelStep: ReportRow {
    static let fieldNames = ["step", "count", "conversionFromPrevious", "conversionFromStart"]
    var fields: [ReportField] {
        [.text(step), .integer(count), .optional(conversionFromPrevious, ReportField.number), .optional(conversionFromStart, ReportField.number)]
    }
}

extension AnalyticsReader.AbandonedCart: ReportRow {
    static let fieldNames = ["cartId", "customerKind", "customerId", "currency", "value", "items", "abandonedAt"]
    var fields: [ReportField] {
        [.text(cartId), .text(customerKind), .text(customerId), .text(currency), .integer(value), .integer(items), .text(abandonedAt.formatted(.iso8601))]
    }
}

extension AnalyticsReader.NewCustomersDay: ReportRow {
    static let fieldNames = ["day", "newCustomers"]
    var fields: [ReportField] { [.text(day), .integer(newCustomers)] }
}

extension AnalyticsReader.LowStockItem: ReportRow {
    static let fieldNames = ["sku", "productId", "name", "onHand", "reserved", "available", "threshold", "unitsSoldLast28Days", "daysOfCover", "outOfStock"]
    var fields: [ReportField] {
        [.text(sku), .optional(productId, ReportField.text), .optional(name, ReportField.text)] + [onHand, reserved, available].map(ReportField.integer)
            + [.optional(threshold, ReportField.integer), .integer(unitsSoldLast28Days), .optional(daysOfCover, ReportField.number), .boolean(outOfStock)]
    }
}
