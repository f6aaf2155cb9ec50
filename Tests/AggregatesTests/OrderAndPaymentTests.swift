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
        let returned = try given(Order.self, shipped, when: .recordReturn(lines: [ReturnLine(sku: sku, quantity: 1, disposition: .restock)], reason: "too small", refund: eur(2500)))
        #expect(returned == [.returnRecorded(OrderReturnRecorded(orderId: order, lines: [ReturnLine(sku: sku, quantity: 1, disposition: .restock)], reason: "too small", refund: eur(2500)))])
        let refund = try given(Order.self, shipped + returned, when: .refund(amount: eur(2500), reason: "return"))
        #expect(refund == [.refunded(OrderRefunded(orderId: order, amount: eur(2500), reason: "return", refundedTotal: eur(2500)))])
        #expect(Order.fold(shipped + returned + refund).refundsPromised == 0, "the recorded refund settles what the return promised")
    }

    @Test func cancellation() throws {
        #expect(try given(Order.self, placed, when: .cancel(reason: "declined", cause: .paymentDeclined))
                == [.cancelled(OrderCancelled(orderId: order, reason: "declined", cause: .paymentDeclined, refundDue: eur(0)))])
        #expect(try given(Order.self, paid, when: .cancel(reason: "changed my mind", cause: .customer))
                == [.cancelled(OrderCancelled(orderId: order, reason: "changed my mind", cause: .customer, refundDue: total))])
        expectRefusal(Order.self, shipped, when: .cancel(reason: "too late", cause: .customer), code: .invalidTransition)
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
        expectRefusal(Order.self, paid, when: .recordReturn(lines: [ReturnLine(sku: sku, quantity: 1, disposition: .restock)], reason: "x", refund: nil), code: .invalidTransition)
        expectRefusal(Order.self, shipped, when: .recordReturn(lines: [ReturnLine(sku: sku, quantity: 3, disposition: .writeOff)], reason: "x", refund: nil), code: .overReturn)
        expectRefusal(Order.self, shipped, when: .recordReturn(lines: [ReturnLine(sku: sku, quantity: 1, disposition: .restock)], reason: "x", refund: total.plus(eur(1))), code: .overRefund)
        // What earlier returns promised counts: two returns cannot promise more than was paid.
        let half = Money(total.amount / 2 + 1, .EUR)
        let first = try! given(Order.self, shipped, when: .recordReturn(lines: [ReturnLine(sku: sku, quantity: 1, disposition: .restock)], reason: "x", refund: half))
        expectRefusal(Order.self, shipped + first, when: .recordReturn(lines: [ReturnLine(sku: sku, quantity: 1, disposition: .restock)], reason: "y", refund: half), code: .overRefund)
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

    func operation(_ id: String, _ kind: PaymentOperation.Kind, _ amount: Int64) -> PaymentOperation {
        PaymentOperation(operationId: id, kind: kind, amount: eur(amount), reason: "test")
    }

    @Test func declineAndVoid() throws {
        #expect(try given(Payment.self, initiated, when: .decline(reason: "insufficient_funds", gatewayReference: "d1")).count == 1)
        let requested = try given(Payment.self, authorized, when: .request(operation("v1", .void, 0)))
        #expect(requested == [.operationRequested(PaymentOperationRequested(paymentId: payment, orderId: order, operation: operation("v1", .void, 0)))])
        let voided = try given(Payment.self, authorized + requested, when: .complete(operationId: "v1", gatewayReference: "gv1"))
        #expect(voided == [.voided(PaymentVoided(paymentId: payment, orderId: order, reason: "test", operationId: "v1", gatewayReference: "gv1"))])
        #expect(Payment.fold(authorized + requested + voided).status == .voided)
    }

    @Test("operations are decided before money moves: requested, then completed once, counting what is pending")
    func operations() throws {
        let capture = try given(Payment.self, authorized, when: .request(operation("c1", .capture, 3000)))
        #expect(Payment.fold(authorized + capture).pendingAmount(.capture) == 3000)
        // A second capture may not promise more than is authorized, counting the pending one.
        expectRefusal(Payment.self, authorized + capture, when: .request(operation("c2", .capture, 2001)), code: .overCapture)
        #expect(try given(Payment.self, authorized + capture, when: .request(operation("c1", .capture, 3000))).isEmpty, "the same operation id decides nothing")
        expectRefusal(Payment.self, authorized + capture, when: .request(operation("v1", .void, 0)), code: .invalidTransition)
        let done = try given(Payment.self, authorized + capture, when: .complete(operationId: "c1", gatewayReference: "gc1"))
        #expect(done == [.captured(PaymentCaptured(paymentId: payment, orderId: order, amount: eur(3000), capturedTotal: eur(3000), gatewayReference: "gc1", operationId: "c1"))])
        let history = authorized + capture + done
        #expect(try given(Payment.self, history, when: .complete(operationId: "c1", gatewayReference: "gc1-again")).isEmpty, "completed once")
        expectRefusal(Payment.self, history, when: .complete(operationId: "nope", gatewayReference: "g"), code: .unknownOperation)
        let state = Payment.fold(history)
        #expect(state.authorizationReference == "a1")
        #expect(state.captureReferences == ["gc1"])
        let refund = try given(Payment.self, history, when: .request(operation("r1", .refund, 2000)))
        expectRefusal(Payment.self, history + refund, when: .request(operation("r2", .refund, 1001)), code: .paymentOverRefund)
        let refunded = try given(Payment.self, history + refund, when: .complete(operationId: "r1", gatewayReference: "gr1"))
        #expect(Payment.fold(history + refund + refunded).refunded == eur(2000))
    }

    @Test func refusals() {
        expectRefusal(Payment.self, [], when: .initiate(id: payment, orderId: order, amount: eur(0), method: "card"), code: .invalidAmount)
        expectRefusal(Payment.self, initiated, when: .capture(amount: eur(100), gatewayReference: "c1"), code: .invalidTransition)
        expectRefusal(Payment.self, authorized, when: .capture(amount: eur(5001), gatewayReference: "c1"), code: .overCapture)
        expectRefusal(Payment.self, authorized, when: .capture(amount: Money(100, .USD), gatewayReference: "c1"), code: .currencyMismatch)
        expectRefusal(Payment.self, authorized, when: .capture(amount: eur(-1), gatewayReference: "c1"), code: .invalidAmount)
        expectRefusal(Payment.self, initiated, when: .authorize(amount: eur(6000), gatewayReference: "a1"), code: .invalidAmount)
        expectRefusal(Payment.self, captured, when: .request(PaymentOperation(operationId: "v", kind: .void, amount: eur(0), reason: "late")), code: .invalidTransition)
        expectRefusal(Payment.self, initiated, when: .request(PaymentOperation(operationId: "v", kind: .void, amount: eur(0), reason: "early")), code: .invalidTransition)
        expectRefusal(Payment.self, authorized, when: .refund(amount: eur(100), gatewayReference: "r1"), code: .invalidTransition)
        expectRefusal(Payment.self, captured, when: .refund(amount: eur(5001), gatewayReference: "r1"), code: .paymentOverRefund)
        expectRefusal(Payment.self, captured, when: .decline(reason: "x", gatewayReference: "d9"), code: .invalidTransition)
    }
}
