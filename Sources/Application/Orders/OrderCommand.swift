import Aggregates
import EventStore
import Foundation

/// The order commands a person gives one at a time: cancel (the customer or an admin), fulfil,
/// ship, deliver and record a return (an admin). What follows each — stock released or
/// committed, money voided or refunded — is the process managers' work, reacting to the events.
public struct OrderCommand: Sendable {
    public enum Action: Sendable {
        case cancel(reason: String)
        /// Lines and quantities to fulfil; nil: everything not fulfilled yet.
        case fulfil([LineQuantity]?)
        case ship(carrier: String, trackingNumber: String)
        case deliver
        case recordReturn(lines: [ReturnLine], reason: String, refund: ReturnRefund?)
    }

    /// What a return refunds: an amount the admin decided (minor units), or what the returned
    /// units cost the customer — their lines' totals after discounts, with tax
    /// (``Order/State/value(of:)``).
    public enum ReturnRefund: Sendable, Equatable {
        case amount(Int64)
        case lineValue
    }

    let repository: AggregateRepository

    public init(repository: AggregateRepository) {
        self.repository = repository
    }

    /// - Throws: ``ApplicationError`` not found (no such order, or not the requester's),
    ///   ``VersionConflict`` past `ifMatch`, ``DomainError`` when the order refuses.
    public func callAsFunction(_ action: Action, order id: OrderID, by requester: Requester, ifMatch: Int64?, metadata: EventMetadata) async throws -> CommandResult {
        try await repository.execute(Order.self, .of("order", id), ifMatch: ifMatch, metadata: metadata) { state in
            guard state.id != nil, requester.owns(state.customer) else { throw ApplicationError.notFound("order \(id)") }
            return try Self.command(action, requester: requester, state: state)
        }
    }

    static func command(_ action: Action, requester: Requester, state: Order.State) throws -> Order.Command {
        switch action {
        case .cancel(let reason):
            return .cancel(reason: reason, cause: requester.role == .customer ? .customer : .admin)
        case .fulfil(let lines):
            let remaining = state.lines.map { LineQuantity(sku: $0.sku, quantity: $0.quantity - (state.fulfilled[$0.sku] ?? 0)) }.filter { $0.quantity > 0 }
            return .fulfil(lines ?? remaining)
        case .ship(let carrier, let trackingNumber):
            return .ship(carrier: carrier, trackingNumber: trackingNumber)
        case .deliver:
            return .markDelivered
        case .recordReturn(let lines, let reason, let refund):
            let currency = state.totals?.total.currency ?? .EUR
            switch refund {
            case .amount(let amount)?:
                return .recordReturn(lines: lines, reason: reason, refund: Money(amount, currency))
            case .lineValue?:
                let value = try state.value(of: lines.map { LineQuantity(sku: $0.sku, quantity: $0.quantity) })
                return .recordReturn(lines: lines, reason: reason, refund: value)
            case nil:
                return .recordReturn(lines: lines, reason: reason, refund: nil)
            }
        }
    }
}
