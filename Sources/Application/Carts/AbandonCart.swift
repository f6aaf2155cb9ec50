import Aggregates
import EventStore
import Foundation

/// A cart with lines and no activity for the configured time is closed as abandoned
/// (`CartAbandoned`, which analytics counts); its activity row goes in the same transaction.
/// A cart that was checked out, merged or emptied meanwhile just loses its row.
public struct AbandonCart: Sendable {
    let repository: AggregateRepository
    let inactivity: TimeInterval

    public init(repository: AggregateRepository, inactivity: TimeInterval) {
        self.repository = repository
        self.inactivity = inactivity
    }

    /// - Returns: true when the cart was abandoned now.
    @discardableResult
    public func callAsFunction(_ cartID: CartID, lastActivity: Date) async throws -> Bool {
        let logger = repository.store.logger
        let metadata = EventMetadata(correlationID: RandomIdentifier.uuid(), actor: "cart-abandonment")
        let results = try await repository.decideTogether(metadata: metadata, alongside: { connection in
            try await CartActivity.closed(cartID.rawValue, on: connection, logger: logger)
        }) { load in
            let stream = StreamName.of("cart", cartID)
            let cart = try await load.state(Cart.self, stream)
            guard cart.status == .open, !cart.lines.isEmpty else { return [] }
            return [try await load(Cart.self, stream, .abandon(lastActivityAt: lastActivity, inactivity: inactivity))]
        }
        return !results.isEmpty
    }
}
