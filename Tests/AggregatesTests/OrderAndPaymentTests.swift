@testable import Aggregates
import Testing

@Suite("Order")
struct OrderTests {
    let order: OrderID = id("o-1")
    let payment: PaymentID = id("pay-1")
    var checkout: CartCheckedOut { CartCheckedOut.sample }
    var total: Money { checkout.totals.total }
    var sku: SKU { CartLine.sample.sku }

    var placed: [OrderEvent] { try! given(Order.self, [], when: .place(id: order, checkout: checkout)) }
    var paid: [OrderEvent] { placed + [.paymentAuthorized(OrderPaymentAuthorized(orderId: order, paymentId: payment, amount: total)), .paid(OrderPaid(orderId: order, paymentId: payment, amount: total))] }
    var shipped: [OrderEvent] {
        paid + [.fulfilmentRecorded(OrderFulfilmentRecorded(orderId: order, lines: [LineQuantity(sku: sku, quantity: 2)], complete: true)),
                .shipped(OrderShipped(orderId: order, carrier: "DHL", trackingNumber: "1"))]
    }

    @Test func theHappyPath() throws {
        #expect(Order.fold(placed).status == .placed)
        #expect(try given(Order.self, placed, when: .recordPaymentAuthorized(paymentId: payment, amount: total)).count == 1)
        #expect(try given(Order.self, placed, when: .markPaid(paymentId: payment, amount: total)).count == 1)
        let partial = try given(Order.self, paid, when: .fulfil([LineQuantity(sku: sku, quantity: 1)]))
        #expect(partial == [.fulfilmentRecorded(OrderFulfilmentRecorded(orderId: order, lines: [LineQuantity(sku: sku, quantity: 1)], complete: false))])
        #expect(Order.fold(paid + partial).status == .partiallyFulfilled)
        expectRefusal(Order.self, paid + partial, when: .ship(carrier: "DHL", trackingNumber: "1"), code: .invalidTransition)
        let rest = try given(Order.self, paid + partial, when: .fulfil([LineQuantity(sku: sku, quantity: 1)]))
        #expect(Order.fold(paid + partial + rest).status == .fulfilled)
        #expect(try given(Order.self, shipped, when: .markDelivered) == [.delivered(OrderDelivered(orderId: order))])
        let returned = try given(Order.self, shipped, when: .recordReturn(lines: [LineQuantity(sku: sku, quantity: 1)], reason: "too small"))
        let refund = try given(Order.self, shipped + returned, when: .refund(amount: eur(2500), reason: "return"))
        #expect(refund == [.refunded(OrderRefunded(orderId: order, amount: eur(2500), reason: "return", refundedTotal: eur(2500)))])
    }

    @Test func cancellation() throws {
        #expect(try given(Order.self, placed, when: .cancel(reason: "declined")) == [.cancelled(OrderCancelled(orderId: order, reason: "declined", refundDue: eur(0)))])
        #expect(try given(Order.self, paid, when: .cancel(reason: "customer")) == [.cancelled(OrderCancelled(orderId: order, reason: "customer", refundDue: total))])
        expectRefusal(Order.self, shipped, when: .cancel(reason: "too late"), code: .invalidTransition)
    }

    @Test func refusals() {
        expectRefusal(Order.self, placed, when: .place(id: order, checkout: checkout), code: .alreadyExists)
        expectRefusal(Order.self, [], when: .markDelivered, code: .notFound)
        expectRefusal(Order.self, placed, when: .ship(carrier: "DHL", trackingNumber: "1"), code: .orderNotPaid)
        expectRefusal(Order.self, placed, when: .fulfil([LineQuantity(sku: sku, quantity: 1)]), code: .orderNotPaid)
        expectRefusal(Order.self, placed, when: .markPaid(paymentId: payment, amount: eur(1)), code: .invalidAmount)
        expectRefusal(Order.self, placed, when: .refund(amount: eur(1), reason: "x"), code: .orderNotPaid)
        expectRefusal(Order.self, paid, when: .fulfil([LineQuantity(sku: sku, quantity: 3)]), code: .overFulfilment)
        expectRefusal(Order.self, paid, when: .fulfil([LineQuantity(sku: id("NOPE"), quantity: 1)]), code: .unknownLine)
        expectRefusal(Order.self, paid, when: .fulfil([LineQuantity(sku: sku, quantity: 0)]), code: .invalidQuantity)
        expectRefusal(Order.self, paid, when: .refund(amount: total.plus(eur(1)), reason: "x"), code: .overRefund)
        expectRefusal(Order.self, paid, when: .refund(amount: Money(100, .USD), reason: "x"), code: .currencyMismatch)
        expectRefusal(Order.self, paid, when: .markDelivered, code: .invalidTransition)
        expectRefusal(Order.self, paid, when: .recordReturn(lines: [LineQuantity(sku: sku, quantity: 1)], reason: "x"), code: .invalidTransition)
        expectRefusal(Order.self, shipped, when: .recordReturn(lines: [LineQuantity(sku: sku, quantity: 3)], reason: "x"), code: .overReturn)
    }
}

extension Money {
    func plus(_ other: Money) -> Money { Money(amount + other.amount, currency) }
}

@Suite("Payment")
struct PaymentTests {
    let payment: PaymentID = id("pay-1")
    let order: OrderID = id("o-1")
    var initiated: [PaymentEvent] { [.initiated(PaymentInitiated(paymentId: payment, orderId: order, amount: eur(5000), method: "card"))] }
    var authorized: [PaymentEvent] { initiated + [.authorized(PaymentAuthorized(paymentId: payment, orderId: order, amount: eur(5000), gatewayReference: "a1"))] }
    var captured: [PaymentEvent] { authorized + [.captured(PaymentCaptured(paymentId: payment, orderId: order, amount: eur(5000), capturedTotal: eur(5000), gatewayReference: "c1"))] }

    @Test func partialCapturesAndRefunds() throws {
        let first = try given(Payment.self, authorized, when: .capture(amount: eur(3000), gatewayReference: "c1"))
        let second = try given(Payment.self, authorized + first, when: .capture(amount: eur(2000), gatewayReference: "c2"))
        #expect(Payment.fold(authorized + first + second).captured == eur(5000))
        let refund = try given(Payment.self, captured, when: .refund(amount: eur(1000), gatewayReference: "r1"))
        #expect(refund == [.refunded(PaymentRefunded(paymentId: payment, orderId: order, amount: eur(1000), refundedTotal: eur(1000), gatewayReference: "r1"))])
        let more = try given(Payment.self, captured + refund, when: .refund(amount: eur(4000), gatewayReference: "r2"))
        #expect(Payment.fold(captured + refund + more).refunded == eur(5000))
    }

    @Test func sameGatewayReferenceRecordsNothingTwice() throws {
        #expect(try given(Payment.self, captured, when: .capture(amount: eur(100), gatewayReference: "c1")).isEmpty)
        #expect(try given(Payment.self, authorized, when: .authorize(amount: eur(5000), gatewayReference: "a1")).isEmpty)
    }

    @Test func declineAndVoid() throws {
        #expect(try given(Payment.self, initiated, when: .decline(reason: "insufficient_funds", gatewayReference: "d1")).count == 1)
        #expect(try given(Payment.self, authorized, when: .void(reason: "cancelled")) == [.voided(PaymentVoided(paymentId: payment, orderId: order, reason: "cancelled"))])
    }

    @Test func refusals() {
        expectRefusal(Payment.self, [], when: .initiate(id: payment, orderId: order, amount: eur(0), method: "card"), code: .invalidAmount)
        expectRefusal(Payment.self, initiated, when: .capture(amount: eur(100), gatewayReference: "c1"), code: .invalidTransition)
        expectRefusal(Payment.self, authorized, when: .capture(amount: eur(5001), gatewayReference: "c1"), code: .overCapture)
        expectRefusal(Payment.self, authorized, when: .capture(amount: Money(100, .USD), gatewayReference: "c1"), code: .currencyMismatch)
        expectRefusal(Payment.self, authorized, when: .capture(amount: eur(-1), gatewayReference: "c1"), code: .invalidAmount)
        expectRefusal(Payment.self, initiated, when: .authorize(amount: eur(6000), gatewayReference: "a1"), code: .invalidAmount)
        expectRefusal(Payment.self, captured, when: .void(reason: "late"), code: .invalidTransition)
        expectRefusal(Payment.self, authorized, when: .refund(amount: eur(100), gatewayReference: "r1"), code: .invalidTransition)
        expectRefusal(Payment.self, captured, when: .refund(amount: eur(5001), gatewayReference: "r1"), code: .paymentOverRefund)
        expectRefusal(Payment.self, captured, when: .decline(reason: "x", gatewayReference: "d9"), code: .invalidTransition)
    }
}
