import Aggregates
import Foundation
import Logging
import PostgresNIO

/// `order_deadlines`: when each order's reservations run out, kept from the inventory streams'
/// `StockReserved` events (in the transaction of the keeping process's checkpoint); read by
/// expiry, which thereby depends on the write side only, never on a read model.
public struct OrderDeadlines: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The earliest deadline of an order's reservations wins.
    public static func record(_ order: OrderID, expiresAt: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO order_deadlines (order_id, expires_at) VALUES (\(order.rawValue), \(expiresAt))
            ON CONFLICT (order_id) DO UPDATE SET expires_at = least(order_deadlines.expires_at, excluded.expires_at)
            """,
            logger: logger
        )
    }

    static func remove(_ order: OrderID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("DELETE FROM order_deadlines WHERE order_id = \(order.rawValue)", logger: logger)
    }

    /// Drops an order's deadline without acting on it (after a refusal was recorded).
    public func forget(_ order: OrderID) async throws {
        try await client.query("DELETE FROM order_deadlines WHERE order_id = \(order.rawValue)", logger: logger)
    }

    /// Orders whose deadline has passed by `now`, oldest first.
    public func due(at now: Date, limit: Int = 500) async throws -> [OrderID] {
        let rows = try await client.query(
            "SELECT order_id FROM order_deadlines WHERE expires_at <= \(now) ORDER BY expires_at LIMIT \(limit)", logger: logger
        )
        var orders: [OrderID] = []
        for try await id in rows.decode(String.self) {
            // Ids were validated when written; a row whose id is not valid is dropped, logged.
            if let order = try? OrderID(id) { orders.append(order) } else {
                logger.warning("order deadline with an invalid order id dropped", metadata: ["order": "\(id)"])
                try await client.query("DELETE FROM order_deadlines WHERE order_id = \(id)", logger: logger)
            }
        }
        return orders
    }
}
