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

    struct SalesReport: Codable, Sendable {
        let period: PeriodEcho
        let granularity: String
        let items: [AnalyticsReader.SalesPeriod]
    }

    struct TopProductsReport: Codable, Sendable {
        let period: PeriodEcho
        let by: String
        let items: [AnalyticsReader.ProductFigures]
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

    struct LowStockReport: Codable, Sendable {
        let items: [AnalyticsReader.LowStockItem]
    }

    func addRoutes(admin: RouterGroup<CommerceRequestContext>) {
        admin.get("analytics/sales") { request, _ in
            let (period, currency) = try await prepare(request)
            let granularity = try ReportPeriod.choice(request.uri.queryParameters["granularity"], field: "granularity", fallback: AnalyticsReader.Granularity.day)
            let items = try await reader.sales(period, granularity: granularity, currency: currency)
            return ReportBody(value: SalesReport(period: PeriodEcho(period, currency: currency), granularity: granularity.rawValue, items: items), rows: items, fileName: "sales")
        }
        admin.get("analytics/products/top") { request, _ in
            let (period, currency) = try await prepare(request)
            let query = request.uri.queryParameters
            let ranking = try ReportPeriod.choice(query["by"], field: "by", fallback: AnalyticsReader.ProductRanking.units)
            let category = query["category"].map(String.init)
            if let category, category.isEmpty || category.count > 200 {
                throw Problem.badRequest("invalid_parameter", "category must be a category path such as Apparel/Shirts", field: "category")
            }
            let items = try await reader.topProducts(period, by: ranking, limit: try QueryParameters.limit(query["limit"]), category: category, currency: currency)
            return ReportBody(value: TopProductsReport(period: PeriodEcho(period, currency: currency), by: ranking.rawValue, items: items), rows: items, fileName: "top-products")
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
            return ReportBody(value: LowStockReport(items: items), rows: items, fileName: "low-stock")
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

extension AnalyticsReader.SalesPeriod: CSVRow {
    static let csvHeader = [
        "period", "currency", "ordersPlaced", "ordersPaid", "grossMerchandiseValue", "discounts", "tax", "shipping", "paid", "refunds",
        "netRevenue", "averageOrderValue", "unitsSold", "ordersCancelled", "cancelledValue",
    ]
    var csvFields: [String] {
        [period, currency] + [ordersPlaced, ordersPaid, grossMerchandiseValue, discounts, tax, shipping, paid, refunds, netRevenue].map(String.init)
            + [averageOrderValue.map(String.init) ?? ""] + [unitsSold, ordersCancelled, cancelledValue].map(String.init)
    }
}

extension AnalyticsReader.ProductFigures: CSVRow {
    static let csvHeader = [
        "currency", "rank", "productId", "name", "categoryPath", "unitsSold", "revenue", "unitsReturned", "returnedValue", "netRevenue", "refundRate",
    ]
    var csvFields: [String] {
        [currency, String(rank), productId, name ?? "", categoryPath ?? ""] + [unitsSold, revenue, unitsReturned, returnedValue, netRevenue].map(String.init)
            + [refundRate.map { String($0) } ?? ""]
    }
}

extension AnalyticsReader.FunnelStep: CSVRow {
    static let csvHeader = ["step", "count", "conversionFromPrevious", "conversionFromStart"]
    var csvFields: [String] {
        [step, String(count), conversionFromPrevious.map { String($0) } ?? "", conversionFromStart.map { String($0) } ?? ""]
    }
}

extension AnalyticsReader.AbandonedCart: CSVRow {
    static let csvHeader = ["cartId", "customerKind", "customerId", "currency", "value", "items", "abandonedAt"]
    var csvFields: [String] {
        [cartId, customerKind, customerId, currency, String(value), String(items), abandonedAt.formatted(.iso8601)]
    }
}

extension AnalyticsReader.NewCustomersDay: CSVRow {
    static let csvHeader = ["day", "newCustomers"]
    var csvFields: [String] { [day, String(newCustomers)] }
}

extension AnalyticsReader.LowStockItem: CSVRow {
    static let csvHeader = ["sku", "productId", "name", "onHand", "reserved", "available", "threshold", "unitsSoldLast28Days", "daysOfCover", "outOfStock"]
    var csvFields: [String] {
        [sku, productId ?? "", name ?? ""] + [onHand, reserved, available].map(String.init)
            + [threshold.map(String.init) ?? "", String(unitsSoldLast28Days), daysOfCover.map { String($0) } ?? "", String(outOfStock)]
    }
}
