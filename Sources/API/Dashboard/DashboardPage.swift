import Mail
import Aggregates
import Foundation
import Projections

/// The admin dashboard as one HTML page: figures for the period, then charts drawn as inline
/// SVG (``SVGChart``). No script: it prints, and a browser with JavaScript off shows all of it.
struct DashboardPage {
    struct Lag {
        let readModel: String
        let eventsBehind: Int64
    }

    let period: AnalyticsReader.Period
    let currency: String
    let exponent: Int
    let sales: [AnalyticsReader.SalesPeriod]
    let topProducts: [AnalyticsReader.ProductFigures]
    let funnel: AnalyticsReader.Funnel
    let lowStock: [AnalyticsReader.LowStockItem]
    let lags: [Lag]
    let csrfToken: String

    /// Minor units as major units with the currency's decimals and thousands separators.
    static func money(_ minor: Int64, exponent: Int) -> String {
        let divisor = Int64(pow(10, Double(exponent)))
        let whole = abs(minor) / divisor
        var grouped = String(whole)
        var index = grouped.count - 3
        while index > 0 {
            grouped.insert(",", at: grouped.index(grouped.startIndex, offsetBy: index))
            index -= 3
        }
        let sign = minor < 0 ? "-" : ""
        guard exponent > 0 else { return sign + grouped }
        let fraction = String(abs(minor) % divisor)
        return sign + grouped + "." + String(repeating: "0", count: exponent - fraction.count) + fraction
    }

    func render() -> String {
        let exponent = exponent
        let money: @Sendable (Int64) -> String = { Self.money($0, exponent: exponent) }
        let days = sales.map { String($0.period.dropFirst(5)) }
        let totals = sales.reduce(into: (orders: Int64(0), paidOrders: Int64(0), paid: Int64(0), refunds: Int64(0))) {
            $0.orders += $1.ordersPlaced
            $0.paidOrders += $1.ordersPaid
            $0.paid += $1.paid
            $0.refunds += $1.refunds
        }
        let average = totals.paidOrders > 0 ? money(Money.roundedDivision(totals.paid, by: totals.paidOrders)) : "–"
        let charts = [
            SVGChart(id: "revenue", title: "Net revenue per day (\(currency))", labels: days, values: sales.map(\.netRevenue), format: money).line(),
            SVGChart(id: "orders", title: "Orders placed per day (\(currency))", labels: days, values: sales.map(\.ordersPlaced)).bars(),
            SVGChart(id: "top-products", title: "Top products by net revenue (\(currency))",
                     labels: topProducts.map { $0.name ?? $0.productId }, values: topProducts.map(\.netRevenue), format: money).bars(),
            SVGChart(id: "funnel", title: "Funnel: carts to shipped orders", labels: ["carts", "with a line", "checkouts", "paid", "shipped"],
                     values: funnel.steps.map(\.count)).bars(),
            SVGChart(id: "low-stock", title: "Low stock: available units", labels: lowStock.map(\.sku), values: lowStock.map(\.available)).bars(),
            SVGChart(id: "lag", title: "Read models: events not yet applied", labels: lags.map(\.readModel), values: lags.map(\.eventsBehind)).bars(),
        ]
        let lowStockRows = lowStock.map { item in
            "<tr><td>\(HTML.escape(item.sku))</td><td>\(HTML.escape(item.name ?? ""))</td><td>\(item.available)</td><td>\(item.threshold.map(String.init) ?? "–")</td>"
                + "<td>\(item.daysOfCover.map { String($0) } ?? "–")</td></tr>"
        }.joined()
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Commerce · dashboard</title><style>\(Self.style)</style></head>
        <body><header><h1>Commerce</h1>
        <form method="get" action="/admin/dashboard" class="period">
        <label>From <input name="from" value="\(HTML.escape(period.from))" size="10"></label>
        <label>To <input name="to" value="\(HTML.escape(period.to))" size="10"></label>
        <label>Time zone <input name="tz" value="\(HTML.escape(period.timeZone))" size="16"></label>
        <label>Currency <input name="currency" value="\(HTML.escape(currency))" size="3"></label>
        <button>Show</button></form>
        <form method="post" action="/admin/dashboard/logout"><input type="hidden" name="csrf" value="\(HTML.escape(csrfToken))"><button>Sign out</button></form>
        </header><main>
        <section class="figures">
        <div><span>Orders placed</span><strong id="orders-placed">\(totals.orders)</strong></div>
        <div><span>Net revenue (\(HTML.escape(currency)))</span><strong id="net-revenue">\(money(totals.paid - totals.refunds))</strong></div>
        <div><span>Average order value</span><strong>\(average)</strong></div>
        <div><span>Refunds</span><strong>\(money(totals.refunds))</strong></div>
        </section>
        <section class="charts">\(charts.joined())</section>
        <section><h2>Low stock</h2><table><thead><tr><th>SKU</th><th>Product</th><th>Available</th><th>Threshold</th><th>Days of cover</th></tr></thead>
        <tbody>\(lowStockRows)</tbody></table></section>
        </main></body></html>
        """
    }

    static let style = """
        body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
        header{display:flex;gap:1.5rem;align-items:center;padding:.75rem 1.5rem;background:#1d2330;color:#fff;flex-wrap:wrap}
        header h1{font-size:1.1rem;margin:0}header form{display:flex;gap:.5rem;align-items:center;margin:0}
        main{padding:1rem 1.5rem}.figures{display:grid;grid-template-columns:repeat(4,1fr);gap:1rem}
        .figures div{background:#fff;padding:.75rem 1rem;border-radius:6px}.figures span{display:block;color:#5b6475}
        .figures strong{font-size:1.4rem}.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:1rem;margin-top:1rem}
        figure{background:#fff;margin:0;padding:.75rem;border-radius:6px}figcaption{font-weight:600;margin-bottom:.25rem}
        svg{width:100%;height:auto}.axis{stroke:#9aa3b2}.tick{font-size:10px;fill:#5b6475}.bar{fill:#3f6fd8}
        .line{fill:none;stroke:#3f6fd8;stroke-width:2}.dot{fill:#1d2330}table{border-collapse:collapse;background:#fff;width:100%}
        th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #e3e6eb}
        """
}
