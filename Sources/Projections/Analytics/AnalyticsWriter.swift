import Aggregates
import Foundation
import Logging
import PostgresNIO

/// Writes what the analytics builder changed: entities upserted as they now are, rollups added
/// onto what the tables hold. Each table with one set-based statement per chunk, as a job of its
/// own (``TableWrites``) that sorts and lays out its rows when it runs.
struct AnalyticsWriter: Sendable {
    typealias Rows = AnalyticsRows

    let logger: Logger
    /// The tables are empty and each key comes once (see ``ReadModelBuilder/writesIntoEmptyTables``).
    let copying: Bool

    /// Stands for "none" in a nullable column written from a non-optional array.
    private static let noDate = Date(timeIntervalSince1970: 0)

    /// Rows go in primary-key order: index pages fill one after another rather than at random,
    /// a rebuild's heap comes out clustered, and concurrent writers lock rows in one order.
    /// The jobs, the longest first.
    func writes(
        orders: [(String, Rows.Order)], newLines: [(String, [Rows.Line])], carts: [(String, Rows.Cart)], customers: [(String, Date)],
        products: [(String, Rows.Product)], stock: [(String, Rows.Stock)],
        sales: [Rows.Key: Rows.Sales], skuSales: [Rows.SKUKey: Rows.SKUSales], funnel: [Rows.Key: Rows.Funnel], views: [Rows.ViewKey: Int64]
    ) -> TableWrites {
        var writes = TableWrites()
        writes.add("analytics_orders") { try await writeOrders(orders, on: $0) }
        writes.add("analytics_sku_sales") { try await writeSKUSales(skuSales, on: $0) }
        writes.add("analytics_carts") { try await writeCarts(carts, on: $0) }
        writes.add("analytics_order_lines") { try await writeLines(newLines, on: $0) }
        writes.add("analytics_funnel") { try await writeFunnel(funnel, on: $0) }
        writes.add("analytics_sales") { try await writeSales(sales, on: $0) }
        writes.add("analytics_product_views") { try await writeViews(views, on: $0) }
        writes.add("analytics_customers", "analytics_products", "analytics_stock") { connection in
            try await writeCustomers(customers, on: connection)
            try await writeProducts(products, on: connection)
            try await writeStock(stock, on: connection)
        }
        return writes
    }

    private func writeOrders(_ orders: [(String, Rows.Order)], on connection: PostgresConnection) async throws {
        // By id through a permutation of the ids' indices: an order's row is large, and a sort
        // moves what it sorts some twenty times over (writing the orders of a 1.7M-event rebuild:
        // 419 → 275 perf samples).
        let ids = orders.map(\.0)
        let byID = ids.indices.sorted { ids[$0] < ids[$1] }
        let orders = byID.map { orders[$0] }
        func neighbour(_ dates: (Rows.Order) -> Date?) -> BulkInsert.Column { .timestamptz(orders.map { dates($0.1) ?? Self.noDate }) }
        let neighbourColumns = ["earlier_1", "earlier_2", "earlier_3", "earlier_4", "later_at",
                                "earlier_in_currency_1", "earlier_in_currency_2", "earlier_in_currency_3", "earlier_in_currency_4", "later_in_currency_at"]
        try await BulkInsert(
            table: "analytics_orders",
            columns: [("order_id", "$1"), ("customer_kind", "$2"), ("customer_id", "$3"), ("currency", "$4"), ("placed_at", "$5"),
                      ("total", "$6"), ("paid", "$7"), ("cancelled", "$8")]
                + neighbourColumns.enumerated().map { ($1, "nullif($\($0 + 9), 'epoch'::timestamptz)") },
            conflict: "ON CONFLICT (order_id) DO UPDATE SET paid = excluded.paid, cancelled = excluded.cancelled, "
                + neighbourColumns.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        ).write(
            [.text(orders.map(\.0)), .text(orders.map(\.1.customerKind)), .text(orders.map(\.1.customerID)), .text(orders.map(\.1.currency)),
             .timestamptz(orders.map(\.1.placedAt)), .bigint(orders.map(\.1.total)), .boolean(orders.map(\.1.paid)), .boolean(orders.map(\.1.cancelled))]
                + (0..<Rows.Neighbours.earlierKept).map { index in neighbour { $0.neighbours.earlier.dropFirst(index).first } }
                + [neighbour(\.neighbours.later)]
                + (0..<Rows.Neighbours.earlierKept).map { index in neighbour { $0.neighboursInCurrency.earlier.dropFirst(index).first } }
                + [neighbour(\.neighboursInCurrency.later)],
            rowCount: orders.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }

    private func writeLines(_ newLines: [(String, [Rows.Line])], on connection: PostgresConnection) async throws {
        // One row per (order, SKU), as the key allows; should an order list a SKU twice, the first
        // line counts. Each order is new to this builder, so it comes once.
        var lines: [(String, Rows.Line)] = []
        for (id, orderLines) in newLines.sorted(by: { $0.0 < $1.0 }) {
            let bySKU = orderLines.indices.sorted { (orderLines[$0].sku, $0) < (orderLines[$1].sku, $1) }
            for (rank, index) in bySKU.enumerated() where rank == 0 || orderLines[bySKU[rank - 1]].sku != orderLines[index].sku {
                lines.append((id, orderLines[index]))
            }
        }
        try await BulkInsert(
            table: "analytics_order_lines",
            columns: [("order_id", "$1"), ("sku", "$2"), ("product_id", "$3"), ("quantity", "$4"), ("unit_price", "$5")],
            conflict: "ON CONFLICT (order_id, sku) DO NOTHING"
        ).write(
            [.text(lines.map(\.0)), .text(lines.map(\.1.sku)), .text(lines.map(\.1.productID)), .bigint(lines.map(\.1.quantity)), .bigint(lines.map(\.1.unitPrice))],
            rowCount: lines.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }

    private func writeCarts(_ carts: [(String, Rows.Cart)], on connection: PostgresConnection) async throws {
        let carts = carts.sorted { $0.0 < $1.0 }
        try await BulkInsert(
            table: "analytics_carts",
            columns: [("cart_id", "$1"), ("owner_kind", "$2"), ("owner_id", "$3"), ("currency", "$4"), ("lines", "$5::jsonb"), ("status", "$6"),
                      ("got_line", "$7"), ("created_at", "$8"), ("abandoned_at", "nullif($9, 'epoch'::timestamptz)")],
            conflict: """
                ON CONFLICT (cart_id) DO UPDATE SET lines = excluded.lines, status = excluded.status, got_line = excluded.got_line,
                    abandoned_at = excluded.abandoned_at
                """
        ).write(
            [.text(carts.map(\.0)), .text(carts.map(\.1.ownerKind)), .text(carts.map(\.1.ownerID)), .text(carts.map(\.1.currency)),
             .text(carts.map { Rows.CartLine.json($0.1.lines) }), .text(carts.map(\.1.status)), .boolean(carts.map(\.1.gotLine)),
             .timestamptz(carts.map(\.1.createdAt)), .timestamptz(carts.map { $0.1.abandonedAt ?? Self.noDate })],
            rowCount: carts.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }

    private func writeCustomers(_ customers: [(String, Date)], on connection: PostgresConnection) async throws {
        let customers = customers.sorted { $0.0 < $1.0 }
        try await BulkInsert(
            table: "analytics_customers", columns: [("customer_id", "$1"), ("first_order_at", "$2")],
            conflict: "ON CONFLICT (customer_id) DO UPDATE SET first_order_at = least(analytics_customers.first_order_at, excluded.first_order_at)"
        ).write([.text(customers.map(\.0)), .timestamptz(customers.map(\.1))], rowCount: customers.count, on: connection, logger: logger, copyingIntoEmptyTable: copying)
    }

    private func writeProducts(_ products: [(String, Rows.Product)], on connection: PostgresConnection) async throws {
        try await BulkInsert(
            table: "analytics_products", columns: [("product_id", "$1"), ("name", "$2"), ("category_path", "$3")],
            conflict: "ON CONFLICT (product_id) DO UPDATE SET name = excluded.name, category_path = excluded.category_path"
        ).write([.text(products.map(\.0)), .text(products.map(\.1.name)), .text(products.map(\.1.categoryPath))],
                rowCount: products.count, on: connection, logger: logger, copyingIntoEmptyTable: copying)
    }

    private func writeStock(_ stock: [(String, Rows.Stock)], on connection: PostgresConnection) async throws {
        try await BulkInsert(
            table: "analytics_stock",
            columns: [("sku", "$1"), ("product_id", "nullif($2, '')"), ("on_hand", "$3"), ("reserved", "$4"), ("threshold", "nullif($5, -1)")],
            conflict: """
                ON CONFLICT (sku) DO UPDATE SET product_id = excluded.product_id, on_hand = excluded.on_hand, reserved = excluded.reserved,
                    threshold = excluded.threshold
                """
        ).write(
            [.text(stock.map(\.0)), .text(stock.map { $0.1.productID ?? "" }), .bigint(stock.map(\.1.onHand)), .bigint(stock.map(\.1.reserved)),
             .bigint(stock.map { $0.1.threshold ?? -1 })],
            rowCount: stock.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }

    // MARK: - Rollups, each quarter-hour delta added into every tier its table keeps

    private static func adding(_ columns: [String], key: String, in table: String) -> String {
        "ON CONFLICT (\(key)) DO UPDATE SET " + columns.map { "\($0) = \(table).\($0) + excluded.\($0)" }.joined(separator: ", ")
    }

    private static func bucket(_ seconds: Int64) -> Date { Date(timeIntervalSince1970: Double(seconds)) }

    private func writeSales(_ sales: [Rows.Key: Rows.Sales], on connection: PostgresConnection) async throws {
        let bucket = Self.bucket
        let sales = sales.inEveryTier(RollupTier.all, { Rows.Key(tier: $1, bucket: $1.start($0.bucket), currency: $0.currency) }, add: { $0.add($1) })
        let salesColumns = ["orders_placed", "gross", "discounts", "tax", "shipping", "orders_paid", "paid", "refunds", "orders_cancelled", "cancelled_value", "units_sold"]
        let salesRows = sales.sorted { $0.key < $1.key }
        try await BulkInsert(
            table: "analytics_sales",
            columns: [("tier", "$1"), ("bucket", "$2"), ("currency", "$3")] + salesColumns.enumerated().map { ($1, "$\($0 + 4)") },
            conflict: Self.adding(salesColumns, key: "tier, bucket, currency", in: "analytics_sales")
        ).write(
            [.integer(salesRows.map { Int32($0.key.tier.rawValue) }), .timestamptz(salesRows.map { bucket($0.key.bucket) }), .text(salesRows.map(\.key.currency)),
             .bigint(salesRows.map(\.value.ordersPlaced)), .bigint(salesRows.map(\.value.gross)), .bigint(salesRows.map(\.value.discounts)),
             .bigint(salesRows.map(\.value.tax)), .bigint(salesRows.map(\.value.shipping)), .bigint(salesRows.map(\.value.ordersPaid)),
             .bigint(salesRows.map(\.value.paid)), .bigint(salesRows.map(\.value.refunds)), .bigint(salesRows.map(\.value.ordersCancelled)),
             .bigint(salesRows.map(\.value.cancelledValue)), .bigint(salesRows.map(\.value.unitsSold))],
            rowCount: salesRows.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }

    private func writeSKUSales(_ skuSales: [Rows.SKUKey: Rows.SKUSales], on connection: PostgresConnection) async throws {
        let bucket = Self.bucket
        let skuSales = skuSales.inEveryTier(RollupTier.perSKU, { Rows.SKUKey(tier: $1, bucket: $1.start($0.bucket), sku: $0.sku, currency: $0.currency) }, add: { $0.add($1) })
        let skuColumns = ["units_sold", "revenue", "units_returned", "returned_value"]
        let skuRows = skuSales.sorted { $0.key < $1.key }
        try await BulkInsert(
            table: "analytics_sku_sales",
            columns: [("tier", "$1"), ("bucket", "$2"), ("sku", "$3"), ("currency", "$4"), ("product_id", "$5")] + skuColumns.enumerated().map { ($1, "$\($0 + 6)") },
            conflict: Self.adding(skuColumns, key: "tier, bucket, sku, currency", in: "analytics_sku_sales")
        ).write(
            [.integer(skuRows.map { Int32($0.key.tier.rawValue) }), .timestamptz(skuRows.map { bucket($0.key.bucket) }), .text(skuRows.map(\.key.sku)), .text(skuRows.map(\.key.currency)),
             .text(skuRows.map(\.value.productID)), .bigint(skuRows.map(\.value.unitsSold)), .bigint(skuRows.map(\.value.revenue)),
             .bigint(skuRows.map(\.value.unitsReturned)), .bigint(skuRows.map(\.value.returnedValue))],
            rowCount: skuRows.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }

    private func writeFunnel(_ funnel: [Rows.Key: Rows.Funnel], on connection: PostgresConnection) async throws {
        let bucket = Self.bucket
        let funnel = funnel.inEveryTier(RollupTier.all, { Rows.Key(tier: $1, bucket: $1.start($0.bucket), currency: $0.currency) }, add: { $0.add($1) })
        let funnelColumns = ["carts_created", "carts_with_line", "checkouts", "orders_paid", "orders_shipped", "carts_abandoned", "abandoned_value"]
        let funnelRows = funnel.sorted { $0.key < $1.key }
        try await BulkInsert(
            table: "analytics_funnel",
            columns: [("tier", "$1"), ("bucket", "$2"), ("currency", "$3")] + funnelColumns.enumerated().map { ($1, "$\($0 + 4)") },
            conflict: Self.adding(funnelColumns, key: "tier, bucket, currency", in: "analytics_funnel")
        ).write(
            [.integer(funnelRows.map { Int32($0.key.tier.rawValue) }), .timestamptz(funnelRows.map { bucket($0.key.bucket) }), .text(funnelRows.map(\.key.currency)),
             .bigint(funnelRows.map(\.value.cartsCreated)), .bigint(funnelRows.map(\.value.cartsWithLine)), .bigint(funnelRows.map(\.value.checkouts)),
             .bigint(funnelRows.map(\.value.ordersPaid)), .bigint(funnelRows.map(\.value.ordersShipped)), .bigint(funnelRows.map(\.value.cartsAbandoned)),
             .bigint(funnelRows.map(\.value.abandonedValue))],
            rowCount: funnelRows.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }

    private func writeViews(_ views: [Rows.ViewKey: Int64], on connection: PostgresConnection) async throws {
        let bucket = Self.bucket
        let rows = views.inEveryTier(RollupTier.perSKU, { Rows.ViewKey(tier: $1, bucket: $1.start($0.bucket), productID: $0.productID) }, add: { $0 += $1 })
            .sorted { $0.key < $1.key }
        try await BulkInsert(
            table: "analytics_product_views",
            columns: [("tier", "$1"), ("bucket", "$2"), ("product_id", "$3"), ("views", "$4")],
            conflict: Self.adding(["views"], key: "tier, bucket, product_id", in: "analytics_product_views")
        ).write(
            [.integer(rows.map { Int32($0.key.tier.rawValue) }), .timestamptz(rows.map { bucket($0.key.bucket) }), .text(rows.map(\.key.productID)),
             .bigint(rows.map(\.value))],
            rowCount: rows.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }
}
