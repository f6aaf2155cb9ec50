import Foundation
import Logging
import PostgresNIO

/// Writes what the recommendations builder changed: products, customers' products and sessions
/// upserted as they now are, hourly and pair counts added onto what the tables hold. A job per
/// table (``TableWrites``), each sorting and laying out its rows when it runs, so a rebuild's
/// bulk writes them side by side.
struct RecommendationsWriter: Sendable {
    typealias Builder = RecommendationsBuilder

    let logger: Logger
    /// The tables are empty and each key comes once (see ``ReadModelBuilder/writesIntoEmptyTables``).
    let copying: Bool

    /// The jobs, the longest first (pairs outnumber every other row).
    func writes(
        products: [String: Builder.ProductRow], hours: [Builder.Hour: (orders: Int64, views: Int64)],
        coPurchases: [Builder.Pair: Int64], coViews: [Builder.Pair: Int64], customerOrders: [String: Int64],
        customerProducts: [Builder.CustomerKey: Builder.CustomerProduct], sessions: [String: Builder.Session]
    ) -> TableWrites {
        var writes = TableWrites()
        writes.add("rec_co_views") { try await writePairs(coViews, table: "rec_co_views", count: "sessions", on: $0) }
        writes.add("rec_co_purchases") { try await writePairs(coPurchases, table: "rec_co_purchases", count: "orders", on: $0) }
        writes.add("rec_customer_products") { try await writeCustomerProducts(customerProducts, on: $0) }
        writes.add("rec_trend_hours") { try await writeHours(hours, on: $0) }
        writes.add("rec_products", "rec_view_sessions", "rec_customer_orders") { connection in
            try await writeProducts(products, on: connection)
            try await writeSessions(sessions, on: connection)
            try await writeCustomerOrders(customerOrders, on: connection)
        }
        return writes
    }

    private func writeProducts(_ products: [String: Builder.ProductRow], on connection: PostgresConnection) async throws {
        let rows = products.sorted { $0.key < $1.key }
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
                .text(rows.map(\.key)), .bigint(rows.map(\.value.orders)), .bigint(rows.map(\.value.units)), .bigint(rows.map(\.value.buyers)),
                .bigint(rows.map(\.value.repeatBuyers)), .bigint(rows.map(\.value.viewSessions)),
            ],
            rowCount: rows.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }

    private func writeHours(_ hours: [Builder.Hour: (orders: Int64, views: Int64)], on connection: PostgresConnection) async throws {
        let rows = hours.sorted { ($0.key.product, $0.key.hour) < ($1.key.product, $1.key.hour) }
        try await BulkInsert(
            table: "rec_trend_hours",
            columns: [("product_id", "$1"), ("hour", "$2"), ("orders", "$3"), ("views", "$4")],
            conflict: """
                ON CONFLICT (product_id, hour) DO UPDATE SET orders = rec_trend_hours.orders + excluded.orders,
                    views = rec_trend_hours.views + excluded.views
                """
        ).write(
            [
                .text(rows.map(\.key.product)), .timestamptz(rows.map { Date(timeIntervalSince1970: Double($0.key.hour) * 3600) }),
                .bigint(rows.map(\.value.orders)), .bigint(rows.map(\.value.views)),
            ],
            rowCount: rows.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }

    /// Adds the pair increments to the stored counts.
    private func writePairs(_ pairs: [Builder.Pair: Int64], table: String, count: String, on connection: PostgresConnection) async throws {
        let rows = pairs.sorted { ($0.key.product, $0.key.other) < ($1.key.product, $1.key.other) }
        try await BulkInsert(
            table: table,
            columns: [("product_id", "$1"), ("other_id", "$2"), (count, "$3")],
            conflict: "ON CONFLICT (product_id, other_id) DO UPDATE SET \(count) = \(table).\(count) + excluded.\(count)"
        ).write(
            [.text(rows.map(\.key.product)), .text(rows.map(\.key.other)), .bigint(rows.map(\.value))],
            rowCount: rows.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }

    /// Adds the customers' order increments to the stored counts.
    private func writeCustomerOrders(_ orders: [String: Int64], on connection: PostgresConnection) async throws {
        let rows = orders.sorted { $0.key < $1.key }
        try await BulkInsert(
            table: "rec_customer_orders",
            columns: [("customer_id", "$1"), ("orders", "$2")],
            conflict: "ON CONFLICT (customer_id) DO UPDATE SET orders = rec_customer_orders.orders + excluded.orders"
        ).write(
            [.text(rows.map(\.key)), .bigint(rows.map(\.value))],
            rowCount: rows.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }

    private func writeCustomerProducts(_ customerProducts: [Builder.CustomerKey: Builder.CustomerProduct], on connection: PostgresConnection) async throws {
        let rows = customerProducts.sorted { ($0.key.customer, $0.key.product) < ($1.key.customer, $1.key.product) }
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
                .text(rows.map(\.key.customer)), .text(rows.map(\.key.product)), .integer(rows.map(\.value.orders)), .integer(rows.map(\.value.units)),
                .timestamptz(rows.map { $0.value.lastOrderedAt ?? never }), .integer(rows.map(\.value.views)),
                .timestamptz(rows.map { $0.value.lastViewedAt ?? never }),
            ],
            rowCount: rows.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }

    private func writeSessions(_ sessions: [String: Builder.Session], on connection: PostgresConnection) async throws {
        let rows = sessions.sorted { $0.key < $1.key }
        try await BulkInsert(
            table: "rec_view_sessions",
            columns: [("viewer", "$1"), ("started_at", "$2"), ("last_at", "$3"), ("products", "$4::text[]")],
            conflict: "ON CONFLICT (viewer) DO UPDATE SET started_at = excluded.started_at, last_at = excluded.last_at, products = excluded.products"
        ).write(
            [
                .text(rows.map(\.key)), .timestamptz(rows.map(\.value.startedAt)), .timestamptz(rows.map(\.value.lastAt)),
                .text(rows.map { Self.arrayLiteral($0.value.products) }),
            ],
            rowCount: rows.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }

    /// A PostgreSQL array literal of ids (letters, digits, `-`, `_`: nothing to quote).
    static func arrayLiteral(_ values: [String]) -> String {
        "{" + values.joined(separator: ",") + "}"
    }
}
