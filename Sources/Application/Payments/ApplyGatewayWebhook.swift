import Aggregates
import EventStore
import Foundation
import Logging
import PostgresNIO

/// A gateway's report of what happened to a payment (after its signature was checked): applied
/// once per gateway event id (`webhook_events`, written in the same transaction as the events),
/// and ignored when the payment has recorded that gateway reference already.
public struct ApplyGatewayWebhook: Sendable {
    public struct Notification: Sendable {
        public let id: String
        /// `payment.authorized`, `payment.captured` or `payment.refunded`; others are acknowledged and ignored.
        public let type: String
        public let paymentId: String
        /// Minor units in the payment's currency.
        public let amount: Int64
        public let reference: String

        public init(id: String, type: String, paymentId: String, amount: Int64, reference: String) {
            self.id = id
            self.type = type
            self.paymentId = paymentId
            self.amount = amount
            self.reference = reference
        }
    }

    public enum Outcome: Sendable, Equatable {
        case duplicate, applied, ignored
    }

    let repository: AggregateRepository

    public init(repository: AggregateRepository) {
        self.repository = repository
    }

    public func callAsFunction(_ notification: Notification) async throws -> Outcome {
        let logger = repository.store.logger
        let client = repository.store.client
        let seen = try await client.query("SELECT 1 FROM webhook_events WHERE event_id = \(notification.id)", logger: logger).decode(Int.self).collectAll()
        guard seen.isEmpty else { return .duplicate }
        let known = ["payment.authorized", "payment.captured", "payment.refunded"].contains(notification.type)
        let id = try PaymentID(notification.paymentId)
        let metadata = EventMetadata(correlationID: RandomIdentifier.uuid(), actor: "payment-gateway")
        _ = try await repository.decideTogether(metadata: metadata, alongside: { connection in
            try await connection.query(
                "INSERT INTO webhook_events (event_id, event_type) VALUES (\(notification.id), \(notification.type)) ON CONFLICT DO NOTHING",
                logger: logger
            )
        }) { load in
            guard known else { return [] }
            let paymentStream = StreamName.of("payment", id)
            let payment = try await load.state(Payment.self, paymentStream)
            guard payment.id != nil, let orderID = payment.orderId, let currency = payment.amount?.currency else {
                throw ApplicationError.notFound("payment \(id)")
            }
            // A reference the payment has recorded already decides nothing.
            if payment.gatewayReferences.contains(notification.reference) { return [] }
            let amount = Money(notification.amount, currency)
            let orderStream = StreamName.of("order", orderID)
            switch notification.type {
            case "payment.authorized":
                return try await AuthorizePayment.recordApproval(payment: id, order: orderID, amount: amount, reference: notification.reference, load: load)
            case "payment.captured":
                let capture = try await load(Payment.self, paymentStream, .capture(amount: amount, gatewayReference: notification.reference))
                guard !capture.events.isEmpty else { return [] }
                let capturedTotal = (payment.captured?.amount ?? 0) + amount.amount
                let paid = try await OrderPayments.paidStep(order: orderID, payment: id, capturedTotal: capturedTotal, load: load)
                return [capture] + (paid.map { [$0] } ?? [])
            default:
                let refund = try await load(Payment.self, paymentStream, .refund(amount: amount, gatewayReference: notification.reference))
                // The order records a refund only with the payment: never for a reference seen meanwhile.
                guard !refund.events.isEmpty else { return [] }
                return [refund, try await load(Order.self, orderStream, .refund(amount: amount, reason: "refunded at the gateway"))]
            }
        }
        return known ? .applied : .ignored
    }
}
