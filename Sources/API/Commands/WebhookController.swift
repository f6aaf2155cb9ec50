import Aggregates
import Commands
import EventStore
import Foundation
import Hummingbird
import Payments

/// `POST /webhooks/payments`: the gateway reports what happened to a payment. The signature
/// (``WebhookSignature``) is checked over the raw body before anything is parsed; a request
/// older than the tolerance is refused as a replay. Each event id is applied once; the domain
/// also ignores a gateway reference it has recorded already.
struct WebhookController {
    let repository: AggregateRepository
    let signature: WebhookSignature

    struct Notification: Codable {
        let id: String
        /// `payment.authorized`, `payment.captured` or `payment.refunded`; others are acknowledged and ignored.
        let type: String
        let paymentId: String
        /// Minor units in the payment's currency.
        let amount: Int64
        let reference: String
    }

    struct Acknowledgement: Codable, Sendable {
        let received: Bool
        /// True when this event id was handled before (nothing was done now).
        let duplicate: Bool
        let applied: Bool
    }

    func addRoutes(to router: Router<CommerceRequestContext>) {
        router.post("/webhooks/payments") { request, context -> JSONBody<Acknowledgement> in
            let buffer = try await request.body.collect(upTo: context.maxUploadSize)
            let body = Array(buffer.readableBytesView)
            do {
                try signature.verify(header: request.headers[.init("Commerce-Signature")!], body: body)
            } catch WebhookSignature.Failure.tooOld {
                throw Problem(.unauthorized, "stale_signature", "the signed time is outside the tolerance: a replay, or a clock far off")
            } catch {
                throw Problem(.unauthorized, "invalid_signature", "the Commerce-Signature header does not match the body")
            }
            let notification = try StrictJSON.decode(Notification.self, from: Data(body))
            let store = repository.store
            let seen = try await store.client.query("SELECT 1 FROM webhook_events WHERE event_id = \(notification.id)").decode(Int.self).collectAll()
            guard seen.isEmpty else { return JSONBody(Acknowledgement(received: true, duplicate: true, applied: false)) }
            let applied = try await apply(notification)
            try await store.client.query(
                "INSERT INTO webhook_events (event_id, event_type) VALUES (\(notification.id), \(notification.type)) ON CONFLICT DO NOTHING"
            )
            return JSONBody(Acknowledgement(received: true, duplicate: false, applied: applied))
        }
    }

    /// - Returns: false for an event type this backend does not act on.
    private func apply(_ notification: Notification) async throws -> Bool {
        let id = try PaymentID(notification.paymentId)
        let (payment, _) = try await repository.load(Payment.self, .of("payment", id))
        guard payment.id != nil, let orderID = payment.orderId, let currency = payment.amount?.currency else {
            throw Problem.notFound("payment \(id)")
        }
        let amount = Money(notification.amount, currency)
        let reference = notification.reference
        let metadata = EventMetadata(correlationID: UUID(), actor: "payment-gateway")
        let steps: (StepDecider) async throws -> [StreamAppend]
        switch notification.type {
        case "payment.authorized":
            steps = { load in
                [try await load(Payment.self, .of("payment", id), .authorize(amount: amount, gatewayReference: reference)),
                 try await load(Order.self, .of("order", orderID), .recordPaymentAuthorized(paymentId: id, amount: amount))]
            }
        case "payment.captured":
            steps = { load in
                [try await load(Payment.self, .of("payment", id), .capture(amount: amount, gatewayReference: reference)),
                 try await load(Order.self, .of("order", orderID), .markPaid(paymentId: id, amount: amount))]
            }
        case "payment.refunded":
            steps = { load in
                [try await load(Payment.self, .of("payment", id), .refund(amount: amount, gatewayReference: reference)),
                 try await load(Order.self, .of("order", orderID), .refund(amount: amount, reason: "refunded at the gateway"))]
            }
        default:
            return false
        }
        // A reference the payment has recorded already decides nothing: then nothing is appended.
        _ = try await repository.decideTogether(metadata: metadata) { load in
            let appends = try await steps(load)
            return appends[0].events.isEmpty ? [] : appends
        }
        return true
    }
}
