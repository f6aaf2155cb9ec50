import Aggregates
import EventStore
import Foundation
import Logging
import PostgresNIO

/// Share links of wish lists (`wishlist_shares`): written in the transaction that records the
/// sharing, so a link works as soon as it is given out and stops as soon as it is withdrawn.
public struct WishlistShares: Sendable {
    let repository: AggregateRepository

    public init(repository: AggregateRepository) {
        self.repository = repository
    }

    /// Shares the list under a new random token (or keeps the token it has); returns the token.
    public func share(customer: CustomerID, list: WishlistID, metadata: EventMetadata) async throws -> String {
        let stream = StreamName.of("wishlist", customer)
        let fresh = Self.newToken()
        var token = fresh
        _ = try await repository.decideTogether(metadata: metadata, alongside: { connection in
            try await connection.query(
                "INSERT INTO wishlist_shares (token, customer_id, wishlist_id) VALUES (\(fresh), \(customer.rawValue), \(list.rawValue)) ON CONFLICT DO NOTHING",
                logger: Logger(label: "commerce.wishlists")
            )
        }) { decide in
            let state = try await decide.state(Wishlist.self, stream)
            if let existing = state.list(list)?.shareToken { token = existing }
            return [try await decide(Wishlist.self, stream, .share(list, token: fresh))]
        }
        if token != fresh { try await forget(fresh) }
        return token
    }

    public func unshare(customer: CustomerID, list: WishlistID, metadata: EventMetadata) async throws -> CommandResult {
        let stream = StreamName.of("wishlist", customer)
        let results = try await repository.decideTogether(metadata: metadata, alongside: { connection in
            try await connection.query(
                "DELETE FROM wishlist_shares WHERE customer_id = \(customer.rawValue) AND wishlist_id = \(list.rawValue)",
                logger: Logger(label: "commerce.wishlists")
            )
        }) { decide in
            [try await decide(Wishlist.self, stream, .unshare(list))]
        }
        let (_, version) = try await repository.load(Wishlist.self, stream)
        return CommandResult(stream: stream.rawValue, version: results.first?.lastVersion ?? version, position: results.first?.lastPosition)
    }

    /// The list a token shares: its owner and id; nil for a token that does not (or no longer) work.
    public func list(token: String) async throws -> (customer: CustomerID, list: WishlistID)? {
        let rows = try await repository.store.client.query(
            "SELECT customer_id, wishlist_id FROM wishlist_shares WHERE token = \(token)", logger: repository.store.logger
        ).decode((String, String).self).collectAll()
        guard let (customer, list) = rows.first, let customerID = try? CustomerID(customer), let listID = try? WishlistID(list) else { return nil }
        return (customerID, listID)
    }

    private func forget(_ token: String) async throws {
        try await repository.store.client.query("DELETE FROM wishlist_shares WHERE token = \(token)", logger: repository.store.logger)
    }

    /// 24 random bytes, base64url: 32 characters no one guesses.
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }
}
