import Foundation
import Logging
import PostgresNIO

/// Writes what the recommendations builder changed: products, customers' products and sessions
/// upserted as they now are, hourly and pair counts added onto what the tables hold. A job per
/// table (``TableWrites``), each sorting and laying out its rows when it runs, so a rebuild's
/// bulk writes them side by side.
struct RecommendationsWriter: Sendable {
    typealias Builder = RecommendationsBuilder
    // The rows as the builder hands them over: named by their ids again, unsorted. A `rank`
    // orders rows as their ids do (``InternedNames/ranks()``): the product's, or the two ids'
    // ranks side by side in one integer.
    typealias NamedProductRow = (id: String, row: Builder.ProductRow)
    typealias HourRow = (product: String, hour: Int64, orders: Int64, views: Int64, rank: UInt32)
    typealias PairRow = (product: String, other: String, count: Int64, rank: UInt64)
    typealias CustomerOrdersRow = (customer: String, orders: Int64)
    typealias CustomerProductRow = (customer: String, product: String, row: Builder.CustomerProduct, rank: UInt64)
    typealias SessionRow = (viewer: String, startedAt: Date, lastAt: Date, products: [String])
    /// Rows made when their job runs.
    typealias Rows<Row> = @Sendable () -> [Row]

    let logger: Logger
    /// The tables are empty and each key comes once (see ``ReadModelBuilder/writesIntoEmptyTables``).
    let copying: Bool

    /// The jobs, the longest first (pairs outnumber every other row).
    ///
    /// The big tables' rows are counted by their jobs (`Rows`), so that a rebuild's bulk counts
    /// one table's on one core while PostgreSQL takes in another's: counted before the first
    /// write, they kept one core busy and the other idle for 0.6–0.75 s of a 1M-event rebuild.
    func writes(
        products: [NamedProductRow], hours: @escaping Rows<HourRow>, coPurchases: @escaping Rows<PairRow>, coViews: @escaping Rows<PairRow>,
        customerOrders: [CustomerOrdersRow], customerProducts: @escaping Rows<CustomerProductRow>, sessions: [SessionRow]
    ) -> TableWrites {
        var writes = TableWrites()
        writes.add("rec_co_views") { try await writePairs(coViews(), table: "rec_co_views", count: "sessions", on: $0) }
        writes.add("rec_co_purchases") { try await writePairs(coPurchases(), table: "rec_co_purchases", count: "orders", on: $0) }
        writes.add("rec_customer_products") { try await writeCustomerProducts(customerProducts(), on: $0) }
        writes.add("rec_trend_hours") { try await writeHours(hours(), on: $0) }
        writes.add("rec_products", "rec_view_sessions", "rec_customer_orders") { connection in
            try await writeProducts(products, on: connection)
            try await writeSessions(sessions, on: connection)
            try await writeCustomerOrders(customerOrders, on: connection)
        }
        return writes
    }

    private func writeProducts(_ products: [NamedProductRow], on connection: PostgresConnection) async throws {
        let rows = products.sorted { $0.id < $1.id }
        try await BulkInsert(
            table: "rec_products",
            columns: [
                ("product_id", "$1"), ("orders", "$2"), ("units", "$3"), ("buyers", "$4"), ("repeat_buyers", "$5"), ("view_sessions", "$6"),
            ],
            conflict: """
                ON CONFLICT (product_id) DO UPDATE SET orders = excluded.orders, units = excluded.units, buyers = excluded.buyers,
                    repeat_buyers = excluded.repeat_buyers, view_sessions = excluded.view_sessions, changed = excluded.changed
                """
        ).write(
            [
                .text(rows.map(\.id)), .bigint(rows.map(\.row.orders)), .bigint(rows.map(\.row.units)), .bigint(rows.map(\.row.buyers)),
                .bigint(rows.map(\.row.repeatBuyers)), .bigint(rows.map(\.row.viewSessions)),
            ],
            rowCount: rows.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }

    private func writeHours(_ hours: [HourRow], on connection: PostgresConnection) async throws {
        let rows = hours.sorted { ($0.rank, $0.hour) < ($1.rank, $1.hour) }
        try await BulkInsert(
            table: "rec_trend_hours",
            columns: [("product_id", "$1"), ("hour", "$2"), ("orders", "$3"), ("views", "$4")],
            conflict: """
                ON CONFLICT (product_id, hour) DO UPDATE SET orders = rec_trend_hours.orders + excluded.orders,
                    views = rec_trend_hours.views + excluded.views
                """
        ).write(
            [
                .text(rows.map(\.product)), .timestamptz(rows.map { Date(timeIntervalSince1970: Double($0.hour) * 3600) }),
                .bigint(rows.map(\.orders)), .bigint(rows.map(\.views)),
            ],
            rowCount: rows.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }

    /// Adds the pair increments to the stored counts.
    private func writePairs(_ pairs: [PairRow], table: String, count: String, on connection: PostgresConnection) async throws {
        let rows = pairs.sorted { $0.rank < $1.rank }
        try await BulkInsert(
            table: table,
            columns: [("product_id", "$1"), ("other_id", "$2"), (count, "$3")],
            conflict: "ON CONFLICT (product_id, other_id) DO UPDATE SET \(count) = \(table).\(count) + excluded.\(count)"
        ).write(
            [.text(rows.map(\.product)), .text(rows.map(\.other)), .bigint(rows.map(\.count))],
            rowCount: rows.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }

    /// Adds the customers' order increments to the stored counts.
    private func writeCustomerOrders(_ orders: [CustomerOrdersRow], on connection: PostgresConnection) async throws {
        let rows = orders.sorted { $0.customer < $1.customer }
        try await BulkInsert(
            table: "rec_customer_orders",
            columns: [("customer_id", "$1"), ("orders", "$2")],
            conflict: "ON CONFLICT (customer_id) DO UPDATE SET orders = rec_customer_orders.orders + excluded.orders"
        ).write(
            [.text(rows.map(\.customer)), .bigint(rows.map(\.orders))],
            rowCount: rows.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }

    private func writeCustomerProducts(_ customerProducts: [CustomerProductRow], on connection: PostgresConnection) async throws {
        let rows = customerProducts.sorted { $0.rank < $1.rank }
        let never = Date(timeIntervalSince1970: 0)
        try await BulkInsert(
            table: "rec_customer_products",
            columns: [
                ("customer_id", "$1"), ("product_id", "$2"), ("orders", "$3"), ("units", "$4"),
                ("last_ordered_at", "nullif($5, 'epoch'::timestamptz)"), ("views", "$6"), ("last_viewed_at", "nullif($7, 'epoch'::timestamptz)"),
            ],
            conflict: """
                ON CONFLICT (customer_id, product_id) DO UPDATE SET orders = excluded.orders, units = excluded.units,
                    last_ordered_at = excluded.last_ordered_at, views = excluded.views, last_viewed_at = excluded.last_viewed_at
                """
        ).write(
            [
                .text(rows.map(\.customer)), .text(rows.map(\.product)), .integer(rows.map(\.row.orders)), .integer(rows.map(\.row.units)),
                .timestamptz(rows.map { $0.row.lastOrderedAt ?? never }), .integer(rows.map(\.row.views)),
                .timestamptz(rows.map { $0.row.lastViewedAt ?? never }),
            ],
            rowCount: rows.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }

    private func writeSessions(_ sessions: [SessionRow], on connection: PostgresConnection) async throws {
        let rows = sessions.sorted { $0.viewer < $1.viewer }
        try await BulkInsert(
            table: "rec_view_sessions",
            columns: [("viewer", "$1"), ("started_at", "$2"), ("last_at", "$3"), ("products", "$4::text[]")],
            conflict: "ON CONFLICT (viewer) DO UPDATE SET started_at = excluded.started_at, last_at = excluded.last_at, products = excluded.products"
        ).write(
            [
                .text(rows.map(\.viewer)), .timestamptz(rows.map(\.startedAt)), .timestamptz(rows.map(\.lastAt)),
                .text(rows.map { Self.arrayLiteral($0.products) }),
            ],
            rowCount: rows.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }

    /// A PostgreSQL array literal of ids (letters, digits, `-`, `_`: nothing to quote).
    static func arrayLiteral(_ values: [String]) -> String {
        "{" + values.joined(separator: ",") + "}"
    }
}
