import Aggregates
import EventStore
import Foundation

/// What an order's cancellation leads to, whoever cancelled it (customer, admin, a declined
/// payment, expiry): every reservation it still holds is released, and its payment is voided
/// when authorized and uncaptured, or what was captured and not refunded is refunded.
///
/// Operation ids derive from the cancellation event's id, so deciding again after a crash asks
/// for the same operation (which the payment then ignores) rather than a second one. A payment
/// still waiting for the gateway is left alone: ``AuthorizePayment`` voids it when it is approved.
///
/// The promotion and coupon uses the order counted are given back under ``PromotionUsesOnCancel``
/// (by default while the promotion is still running: a code of an ended promotion stays used).
public enum OrderCancellationEffects {
    public static func decide(_ cancelled: OrderCancelled, eventID: UUID, promotionUses: PromotionUsesOnCancel = .returnWhileRunning,
                              now: Date = Date(), load: StepDecider) async throws -> [StreamAppend] {
        let orderID = cancelled.orderId
        let order = try await load.state(Order.self, .of("order", orderID))
        guard order.status == .cancelled else { return [] }
        let reason: ReleaseReason = switch cancelled.cause {
        case .expired: .expired
        case .paymentDeclined: .paymentDeclined
        case .customer, .admin: .cancelled
        }
        var steps: [StreamAppend] = []
        for sku in Set(order.lines.map(\.sku)).sorted() {
            let stream = StreamName.of("inventory", sku)
            guard try await load.state(Inventory.self, stream).reservations[orderID] != nil else { continue }
            steps.append(try await load(Inventory.self, stream, .release(orderId: orderID, reason: reason)))
        }
        if promotionUses == .returnWhileRunning {
            for discount in order.discounts {
                let promotionStream = StreamName.of("promotion", discount.promotionId)
                let promotion = try await load.state(Promotion.self, promotionStream)
                guard promotion.isLive(at: now) else { continue }
                if promotion.redemptions[orderID] != nil {
                    steps.append(try await load(Promotion.self, promotionStream, .release(orderId: orderID)))
                }
                if let code = discount.code {
                    let couponStream = StreamName.of("coupon", code)
                    if try await load.state(Coupon.self, couponStream).redemptions[orderID] != nil {
                        steps.append(try await load(Coupon.self, couponStream, .release(orderId: orderID)))
                    }
                }
            }
        }
        let paymentStream = StreamName.of("payment", OrderPayments.paymentID(for: orderID))
        let payment = try await load.state(Payment.self, paymentStream)
        if let operation = moneyBack(payment, operationId: "cancel-\(eventID.uuidString.lowercased())", reason: "order \(orderID) cancelled") {
            steps.append(try await load(Payment.self, paymentStream, .request(operation)))
        }
        return steps
    }

    /// The operation that gives a cancelled order's money back, if any is due.
    static func moneyBack(_ payment: Payment.State, operationId: String, reason: String) -> PaymentOperation? {
        guard let amount = payment.amount else { return nil }
        let currency = amount.currency
        switch payment.status {
        case .authorized where payment.captured == nil:
            if payment.pending.values.contains(where: { $0.kind == .void }) { return nil }
            return PaymentOperation(operationId: operationId, kind: .void, amount: .zero(currency), reason: reason)
        case .captured, .refunded:
            let due = (payment.captured?.amount ?? 0) - (payment.refunded?.amount ?? 0) - payment.pendingAmount(.refund)
            guard due > 0 else { return nil }
            return PaymentOperation(operationId: operationId, kind: .refund, amount: Money(due, currency), reason: reason)
        default:
            return nil
        }
    }
}
