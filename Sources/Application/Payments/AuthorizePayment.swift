import Aggregates
import EventStore
import Foundation
import Logging
import Payments

/// Authorizes a payment checkout initiated, through the gateway (idempotency key: the payment
/// id), and decides what the answer means:
/// - approved, order still placed: the payment and the order record the authorization;
/// - approved, order cancelled meanwhile (expired, or cancelled by its customer while the
///   gateway was slow): the payment records the authorization and then requests its void, in
///   that order, in one append; the void itself is the payment operations' work;
/// - declined: the payment records the decline and a placed order is cancelled (cause
///   `paymentDeclined`; the cancellation process releases its stock).
/// A gateway that keeps failing counts as a decline after `gatewayAttempts` tries.
public struct AuthorizePayment: Sendable {
    let gateway: any PaymentGateway
    let gatewayAttempts: Int
    let logger: Logger

    public init(gateway: any PaymentGateway, gatewayAttempts: Int = 3, logger: Logger) {
        self.gateway = gateway
        self.gatewayAttempts = gatewayAttempts
        self.logger = logger
    }

    /// The appends that record the gateway's answer; empty when the payment is past `initiated`.
    public func decide(_ initiated: PaymentInitiated, load: StepDecider) async throws -> [StreamAppend] {
        try await decide(payment: initiated.paymentId, order: initiated.orderId, method: PaymentMethodToken(initiated.method), load: load)
    }

    /// - Parameter method: the payment method's gateway token, as checkout recorded it.
    public func decide(payment: PaymentID, order: OrderID, method: PaymentMethodToken, load: StepDecider) async throws -> [StreamAppend] {
        let paymentStream = StreamName.of("payment", payment)
        let payment = try await load.state(Payment.self, paymentStream)
        guard let paymentID = payment.id, let amount = payment.amount, payment.status == .initiated else { return [] }
        var outcome: GatewayAuthorization?
        for attempt in 1...gatewayAttempts {
            do {
                outcome = try await gateway.authorize(amount, method: method, idempotencyKey: paymentID.rawValue)
                break
            } catch {
                logger.warning("payment gateway failed", metadata: ["payment": "\(paymentID)", "attempt": "\(attempt)", "error": "\(error.message)"])
                if attempt < gatewayAttempts { try await Task.sleep(for: .milliseconds(200 * attempt)) }
            }
        }
        switch outcome ?? .declined(reason: "payment gateway unavailable", reference: "unavailable_\(paymentID)") {
        case .approved(let reference):
            return try await Self.recordApproval(payment: paymentID, order: order, amount: amount, reference: reference, load: load)
        case .declined(let reason, let reference):
            var steps = [try await load(Payment.self, paymentStream, .decline(reason: reason, gatewayReference: reference))]
            let orderStream = StreamName.of("order", order)
            if try await load.state(Order.self, orderStream).status == .placed {
                steps.append(try await load(Order.self, orderStream, .cancel(reason: "payment declined: \(reason)", cause: .paymentDeclined)))
            }
            return steps
        }
    }

    /// An authorization, from the checkout process or a gateway webhook: recorded on the payment
    /// and the order; for an order that is cancelled already, recorded and then voided.
    static func recordApproval(payment paymentID: PaymentID, order orderID: OrderID, amount: Money, reference: String, load: StepDecider) async throws -> [StreamAppend] {
        let paymentStream = StreamName.of("payment", paymentID)
        let orderStream = StreamName.of("order", orderID)
        let order = try await load.state(Order.self, orderStream)
        switch order.status {
        case .cancelled:
            let void = PaymentOperation(operationId: "void-\(reference)", kind: .void, amount: .zero(amount.currency),
                                        reason: "order \(orderID) was cancelled before its payment was authorized")
            return [try await load(Payment.self, paymentStream, [.authorize(amount: amount, gatewayReference: reference), .request(void)])]
        case .placed:
            return [try await load(Payment.self, paymentStream, .authorize(amount: amount, gatewayReference: reference)),
                    try await load(Order.self, orderStream, .recordPaymentAuthorized(paymentId: paymentID, amount: amount))]
        default:
            return [try await load(Payment.self, paymentStream, .authorize(amount: amount, gatewayReference: reference))]
        }
    }
}
