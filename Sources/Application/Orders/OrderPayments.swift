import Aggregates

/// The payment checkout starts for an order. Checkout makes one payment per order and derives
/// its id from the order's, so whoever holds an order id finds its payment without a read model.
public enum OrderPayments {
    public static func paymentID(for order: OrderID) -> PaymentID {
        // An order id is `order_<hex>`: the payment is `pay_<hex>`; both are valid identifiers.
        try! PaymentID(order.rawValue.hasPrefix("order_") ? "pay_" + order.rawValue.dropFirst("order_".count) : "pay_" + order.rawValue)
    }
}
