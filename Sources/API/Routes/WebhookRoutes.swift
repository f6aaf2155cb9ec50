import Application
import Foundation
import Hummingbird
import Payments

/// `POST /webhooks/payments`: the gateway reports what happened to a payment. The signature
/// (``WebhookSignature``) is checked over the raw body before anything is parsed; a request
/// older than the tolerance is refused as a replay. ``ApplyGatewayWebhook`` applies each event
/// id once.
struct WebhookRoutes {
    let apply: ApplyGatewayWebhook
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
            let outcome = try await apply(ApplyGatewayWebhook.Notification(
                id: notification.id, type: notification.type, paymentId: notification.paymentId, amount: notification.amount, reference: notification.reference
            ))
            return JSONBody(Acknowledgement(received: true, duplicate: outcome == .duplicate, applied: outcome == .applied))
        }
    }
}
