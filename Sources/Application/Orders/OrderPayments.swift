import Aggregates
import EventStore

/// The payment checkout starts for an order. Checkout makes one payment per order and derives
/// its id from the order's, so whoever holds an order id finds its payment without a read model.
public enum OrderPayments {
    public static func paymentID(for order: OrderID) -> PaymentID {
        // An order id is `order_<hex>`: the payment is `pay_<hex>`; both are valid identifiers.
        try! PaymentID(order.rawValue.hasPrefix("order_") ? "pay_" + order.rawValue.dropFirst("order_".count) : "pay_" + order.rawValue)
    }

    /// The order's step when a capture brings the captured total to the order's total: it is
    /// then paid (once: a paid or cancelled order takes no step).
    static func paidStep(order orderID: OrderID, payment paymentID: PaymentID, capturedTotal: Int64, load: StepDecider) async throws -> StreamAppend? {
        let stream = StreamName.of("order", orderID)
        let order = try await load.state(Order.self, stream)
        guard let total = order.totals?.total, capturedTotal == total.amount, order.status == .placed || order.status == .paymentAuthorized else { return nil }
        return try await load(Order.self, stream, .markPaid(paymentId: paymentID, amount: total))
    }
}
