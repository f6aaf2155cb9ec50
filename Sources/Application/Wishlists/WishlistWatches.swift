import Aggregates
import Logging
import PostgresNIO

/// `wishlist_watches`: which customers wish which SKU, kept by the wishlist-alerts process from
/// the wishlist events in `$all` order, in the transactions that move its checkpoint.
public enum WishlistWatches {
    public static func watch(_ sku: SKU, customer: CustomerID, list: WishlistID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "INSERT INTO wishlist_watches (sku, customer_id, wishlist_id) VALUES (\(sku.rawValue), \(customer.rawValue), \(list.rawValue)) ON CONFLICT DO NOTHING",
            logger: logger
        )
    }

    public static func unwatch(_ sku: SKU, customer: CustomerID, list: WishlistID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "DELETE FROM wishlist_watches WHERE sku = \(sku.rawValue) AND customer_id = \(customer.rawValue) AND wishlist_id = \(list.rawValue)",
            logger: logger
        )
    }

    public static func unwatchList(customer: CustomerID, list: WishlistID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "DELETE FROM wishlist_watches WHERE customer_id = \(customer.rawValue) AND wishlist_id = \(list.rawValue)", logger: logger
        )
    }

    /// The customers with `sku` on at least one list, each once.
    public static func customers(wishing sku: SKU, client: PostgresClient, logger: Logger) async throws -> [CustomerID] {
        try await client.query(
            "SELECT DISTINCT customer_id FROM wishlist_watches WHERE sku = \(sku.rawValue) ORDER BY customer_id", logger: logger
        ).decode(String.self).collectAll().compactMap { try? CustomerID($0) }
    }
}
