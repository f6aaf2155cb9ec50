import Aggregates
import EventStore
import Foundation
import Logging
import Payments

/// An admin's capture, void or refund: the payment decides first and records the operation as
/// requested — a refused one never reaches the gateway — then the operation is carried out at
/// once (``CompletePaymentOperation``). If the gateway fails, the request stays recorded and the
/// payment operations process retries it with the same idempotency key.
public struct RequestPaymentOperation: Sendable {
    let repository: AggregateRepository
    let complete: CompletePaymentOperation

    public init(repository: AggregateRepository, complete: CompletePaymentOperation) {
        self.repository = repository
        self.complete = complete
    }

    /// - Parameter amount: minor units; nil for a capture means everything authorized and not captured.
    /// - Throws: ``ApplicationError`` (not found, gateway unavailable), ``DomainError`` (refused).
    public func callAsFunction(_ kind: PaymentOperation.Kind, payment paymentID: PaymentID, amount: Int64?, reason: String?, metadata: EventMetadata) async throws -> CommandResult {
        let paymentStream = StreamName.of("payment", paymentID)
        let operationId = RandomIdentifier.hex(prefix: "op_")
        let requested = try await repository.decideTogether(metadata: metadata) { load in
            let payment = try await load.state(Payment.self, paymentStream)
            guard payment.id != nil, let orderID = payment.orderId, let currency = payment.amount?.currency else {
                throw ApplicationError.notFound("payment \(paymentID)")
            }
            if kind == .capture, try await load.state(Order.self, .of("order", orderID)).status == .cancelled {
                throw DomainError(.invalidTransition, "order \(orderID) is cancelled: its payment is not captured")
            }
            let minor: Int64 = switch kind {
            case .void: 0
            case .capture: amount ?? ((payment.authorized?.amount ?? 0) - (payment.captured?.amount ?? 0) - payment.pendingAmount(.capture))
            case .refund: amount ?? 0
            }
            let operation = PaymentOperation(operationId: operationId, kind: kind, amount: Money(minor, currency),
                                             reason: reason ?? "\(kind.rawValue) by an admin")
            return [try await load(Payment.self, paymentStream, .request(operation))]
        }
        let completed = try await complete(payment: paymentID, operation: operationId, metadata: metadata)
        let all = requested + completed
        let last = all.last(where: { $0.stream == paymentStream })
        return CommandResult(stream: paymentStream.rawValue, version: last?.lastVersion ?? 0, position: all.map(\.lastPosition).max(), id: operationId)
    }

    /// Carries out every operation of the payment still pending (after the gateway failed).
    public func retryPending(payment paymentID: PaymentID, metadata: EventMetadata) async throws -> CommandResult {
        let paymentStream = StreamName.of("payment", paymentID)
        let (payment, version) = try await repository.load(Payment.self, paymentStream)
        guard payment.id != nil else { throw ApplicationError.notFound("payment \(paymentID)") }
        var results: [AppendResult] = []
        for operationId in payment.pending.keys.sorted() {
            results += try await complete(payment: paymentID, operation: operationId, metadata: metadata)
        }
        let last = results.last(where: { $0.stream == paymentStream })
        return CommandResult(stream: paymentStream.rawValue, version: last?.lastVersion ?? version, position: results.map(\.lastPosition).max())
    }
}
