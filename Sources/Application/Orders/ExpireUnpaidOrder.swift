import Aggregates
import EventStore
import Foundation

/// An order still unpaid at its deadline is cancelled (cause `expired`; the cancellation
/// process releases its stock); its deadline row goes in the same transaction. An order that
/// is no longer waiting for payment just loses its row.
public struct ExpireUnpaidOrder: Sendable {
    let repository: AggregateRepository

    public init(repository: AggregateRepository) {
        self.repository = repository
    }

    /// - Returns: true when the order was cancelled now.
    @discardableResult
    public func callAsFunction(_ orderID: OrderID) async throws -> Bool {
        let logger = repository.store.logger
        let metadata = EventMetadata(correlationID: RandomIdentifier.uuid(), actor: "order-expiry")
        let results = try await repository.decideTogether(metadata: metadata, attempts: 10, alongside: { connection in
            try await OrderDeadlines.remove(orderID, on: connection, logger: logger)
        }) { load in
            let stream = StreamName.of("order", orderID)
            guard try await load.state(Order.self, stream).status == .placed else { return [] }
            return [try await load(Order.self, stream, .cancel(reason: "reservation expired unpaid", cause: .expired))]
        }
        return !results.isEmpty
    }
}
