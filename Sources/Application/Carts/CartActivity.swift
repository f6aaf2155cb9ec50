import Aggregates
import Foundation
import Logging
import PostgresNIO

/// `cart_activity`: open carts with lines, and when each last changed. Kept by the abandonment
/// process from the cart events, in the transaction of its checkpoint.
public struct CartActivity: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public static func touched(_ cart: String, at time: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO cart_activity (cart_id, last_activity) VALUES (\(cart), \(time))
            ON CONFLICT (cart_id) DO UPDATE SET last_activity = greatest(cart_activity.last_activity, excluded.last_activity)
            """,
            logger: logger
        )
    }

    public static func closed(_ cart: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("DELETE FROM cart_activity WHERE cart_id = \(cart)", logger: logger)
    }

    /// Carts idle since before `cutoff`, longest idle first.
    public func idle(since cutoff: Date, limit: Int = 500) async throws -> [(CartID, Date)] {
        let rows = try await client.query(
            "SELECT cart_id, last_activity FROM cart_activity WHERE last_activity <= \(cutoff) ORDER BY last_activity LIMIT \(limit)", logger: logger
        )
        var carts: [(CartID, Date)] = []
        var invalid: [String] = []
        for try await (id, time) in rows.decode((String, Date).self) {
            // Ids come from the cart events and are valid; a row that is not is dropped, logged.
            if let cart = try? CartID(id) { carts.append((cart, time)) } else { invalid.append(id) }
        }
        for id in invalid {
            logger.warning("cart activity row with an invalid cart id dropped", metadata: ["cart": "\(id)"])
            try await client.query("DELETE FROM cart_activity WHERE cart_id = \(id)", logger: logger)
        }
        return carts
    }
}

extension CartActivity {
    /// Drops a cart's row without acting on it (after a refusal was recorded).
    public func forget(_ cart: CartID) async throws {
        try await client.query("DELETE FROM cart_activity WHERE cart_id = \(cart.rawValue)", logger: logger)
    }
}
