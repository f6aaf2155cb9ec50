import Foundation

/// An order placed from a checked-out cart.
///
/// placed → paymentAuthorized → paid → partiallyFulfilled → fulfilled → shipped → delivered;
/// cancelled from any state before the first fulfilment. Returns after shipping; refunds of
/// what was paid, partial ones included, never more than paid in all.
public enum Order: Decider {
    public enum Status: String, Codable, Sendable {
        case placed, paymentAuthorized, paid, partiallyFulfilled, fulfilled, shipped, delivered, cancelled
    }

    public struct State: Sendable, Equatable, Encodable {
        public var id: OrderID?
        public var customer: CartOwner?
        public var lines: [OrderLine] = []
        public var totals: CartTotals?
        public var status = Status.placed
        public var paid: Money?
        public var refunded: Money?
        public var fulfilled: [SKU: Int] = [:]
        public var returned: [SKU: Int] = [:]
        /// Refunds decided with returns and not recorded yet (minor units).
        public var refundsPromised: Int64 = 0
        public var cancellation: CancellationCause?
        /// The promotions it used, and each line's money after them (nil for orders placed
        /// before promotions).
        public var discounts: [AppliedDiscount] = []
        public var linePrices: [LinePrice]?

        /// What `items` of this order cost the customer: per returned unit, its line's total after
        /// discounts and with tax, divided evenly over the line's units (rounded half away from
        /// zero, the last unit taking the remainder). Without line prices, the unit price.
        public func value(of items: [LineQuantity]) throws(DomainError) -> Money {
            guard let currency = totals?.total.currency else { throw DomainError(.notFound, "the order does not exist") }
            var value: Int64 = 0
            for item in items {
                guard let line = lines.first(where: { $0.sku == item.sku }) else { throw DomainError(.unknownLine, "order \(id?.rawValue ?? "") has no line for \(item.sku)") }
                let lineTotal = linePrices?.first(where: { $0.sku == item.sku })?.total.amount ?? line.unitPrice.amount * Int64(line.quantity)
                // Units already returned came off first: this share is the remainder's, so that
                // returning every unit, however split, gives back exactly the line's total.
                let before = self.returned[item.sku] ?? 0
                let after = min(line.quantity, before + item.quantity)
                value += share(lineTotal, units: after, of: line.quantity) - share(lineTotal, units: before, of: line.quantity)
            }
            return Money(value, currency)
        }

        private func share(_ total: Int64, units: Int, of quantity: Int) -> Int64 {
            Money.roundedDivision(total * Int64(units), by: Int64(max(1, quantity)))
        }
    }

    public enum Command: Sendable {
        case place(id: OrderID, checkout: CartCheckedOut)
        case recordPaymentAuthorized(paymentId: PaymentID, amount: Money)
        case markPaid(paymentId: PaymentID, amount: Money)
        case fulfil([LineQuantity])
        case ship(carrier: String, trackingNumber: String)
        case markDelivered
        case cancel(reason: String, cause: CancellationCause)
        /// Items came back: each line restocked or written off, and optionally a refund to make
        /// (at most what was paid and not refunded yet).
        case recordReturn(lines: [ReturnLine], reason: String, refund: Money?)
        case refund(amount: Money, reason: String)
    }

    public typealias Event = OrderEvent
    public static let initialState = State()

    public static func decide(_ command: Command, _ state: State, _ context: DecisionContext) throws(DomainError) -> [Event] {
        if case .place(let id, let checkout) = command {
            guard state.id == nil else { throw DomainError(.alreadyExists, "order \(id) exists already") }
            guard !checkout.lines.isEmpty else { throw DomainError(.emptyCart, "an order needs at least one line") }
            return [.placed(OrderPlaced(
                orderId: id, cartId: checkout.cartId, customer: checkout.owner, lines: checkout.lines.map(OrderLine.init),
                shippingAddress: checkout.shippingAddress, shippingMethod: checkout.shippingMethod, totals: checkout.totals,
                discounts: checkout.discounts, linePrices: checkout.linePrices
            ))]
        }
        guard let id = state.id, let totals = state.totals else { throw DomainError(.notFound, "the order does not exist") }
        let currency = totals.total.currency

        switch command {
        case .place:
            preconditionFailure("handled above")

        case .recordPaymentAuthorized(let paymentId, let amount):
            guard state.status == .placed else {
                if state.status == .paymentAuthorized { return [] }
                throw DomainError(.invalidTransition, "order \(id) is \(state.status.rawValue); a payment can be authorized only for a placed order")
            }
            guard amount == totals.total else {
                throw DomainError(.invalidAmount, "authorized \(amount) does not cover the order total \(totals.total)")
            }
            return [.paymentAuthorized(OrderPaymentAuthorized(orderId: id, paymentId: paymentId, amount: amount))]

        case .markPaid(let paymentId, let amount):
            guard state.status == .placed || state.status == .paymentAuthorized else {
                if state.status == .paid { return [] }
                throw DomainError(.invalidTransition, "order \(id) is \(state.status.rawValue) and cannot be marked paid")
            }
            guard amount == totals.total else {
                throw DomainError(.invalidAmount, "paid \(amount) does not match the order total \(totals.total)")
            }
            return [.paid(OrderPaid(orderId: id, paymentId: paymentId, amount: amount))]

        case .fulfil(let lines):
            guard [.paid, .partiallyFulfilled].contains(state.status) else {
                throw DomainError(.orderNotPaid, "order \(id) is \(state.status.rawValue); only a paid order is fulfilled")
            }
            guard !lines.isEmpty else { throw DomainError(.invalidQuantity, "a fulfilment needs at least one line") }
            var fulfilled = state.fulfilled
            for line in lines {
                try requirePositive(line.quantity, "quantity fulfilled")
                guard let ordered = state.lines.first(where: { $0.sku == line.sku })?.quantity else {
                    throw DomainError(.unknownLine, "order \(id) has no line for \(line.sku)")
                }
                fulfilled[line.sku, default: 0] += line.quantity
                guard fulfilled[line.sku]! <= ordered else {
                    throw DomainError(.overFulfilment, "\(line.sku): \(fulfilled[line.sku]!) fulfilled of \(ordered) ordered")
                }
            }
            let complete = state.lines.allSatisfy { fulfilled[$0.sku, default: 0] == $0.quantity }
            return [.fulfilmentRecorded(OrderFulfilmentRecorded(orderId: id, lines: lines, complete: complete))]

        case .ship(let carrier, let trackingNumber):
            switch state.status {
            case .fulfilled: break
            case .placed, .paymentAuthorized: throw DomainError(.orderNotPaid, "order \(id) is not paid and cannot ship")
            case .shipped, .delivered: return []
            default: throw DomainError(.invalidTransition, "order \(id) is \(state.status.rawValue); it ships once fully fulfilled")
            }
            try validateText(carrier, "carrier", maximum: 100)
            try validateText(trackingNumber, "tracking number", maximum: 100)
            return [.shipped(OrderShipped(orderId: id, carrier: carrier, trackingNumber: trackingNumber))]

        case .markDelivered:
            guard state.status == .shipped else {
                if state.status == .delivered { return [] }
                throw DomainError(.invalidTransition, "order \(id) is \(state.status.rawValue); only a shipped order is delivered")
            }
            return [.delivered(OrderDelivered(orderId: id))]

        case .cancel(let reason, let cause):
            try validateText(reason, "reason", maximum: 500)
            switch state.status {
            case .placed, .paymentAuthorized, .paid:
                return [.cancelled(OrderCancelled(orderId: id, reason: reason, cause: cause, refundDue: state.paid ?? .zero(currency)))]
            case .cancelled:
                return []
            default:
                throw DomainError(.invalidTransition, "order \(id) is \(state.status.rawValue) and can no longer be cancelled")
            }

        case .recordReturn(let lines, let reason, let refund):
            guard [.shipped, .delivered].contains(state.status) else {
                throw DomainError(.invalidTransition, "order \(id) is \(state.status.rawValue); returns follow shipping")
            }
            try validateText(reason, "reason", maximum: 500)
            guard !lines.isEmpty else { throw DomainError(.invalidQuantity, "a return needs at least one line") }
            var returned = state.returned
            for line in lines {
                try requirePositive(line.quantity, "quantity returned")
                returned[line.sku, default: 0] += line.quantity
                guard returned[line.sku]! <= state.fulfilled[line.sku, default: 0] else {
                    throw DomainError(.overReturn, "\(line.sku): \(returned[line.sku]!) returned of \(state.fulfilled[line.sku, default: 0]) shipped")
                }
            }
            if let refund {
                guard refund.currency == currency else { throw DomainError(.currencyMismatch, "order \(id) is in \(currency)") }
                guard refund.amount >= 0 else { throw DomainError(.invalidAmount, "a refund must not be negative") }
                let paid = state.paid ?? .zero(currency)
                let refundable = paid.amount - (state.refunded?.amount ?? 0) - state.refundsPromised
                guard refund.amount <= refundable else {
                    throw DomainError(.overRefund, "refunding \(refund) with this return; \(Money(max(0, refundable), currency)) is left to refund")
                }
            }
            return [.returnRecorded(OrderReturnRecorded(orderId: id, lines: lines, reason: reason, refund: refund.flatMap { $0.amount > 0 ? $0 : nil }))]

        case .refund(let amount, let reason):
            guard let paid = state.paid else { throw DomainError(.orderNotPaid, "order \(id) has not been paid") }
            try validateText(reason, "reason", maximum: 500)
            guard amount.currency == currency else { throw DomainError(.currencyMismatch, "order \(id) is in \(currency)") }
            guard amount.amount > 0 else { throw DomainError(.invalidAmount, "a refund must be positive") }
            let refundedTotal = try (state.refunded ?? .zero(currency)).adding(amount)
            guard refundedTotal <= paid else {
                throw DomainError(.overRefund, "refunding \(amount) would make \(refundedTotal) refunded of \(paid) paid")
            }
            return [.refunded(OrderRefunded(orderId: id, amount: amount, reason: reason, refundedTotal: refundedTotal))]
        }
    }

    public static func evolve(_ state: State, _ event: Event) -> State {
        var state = state
        switch event {
        case .placed(let event):
            state.id = event.orderId
            state.customer = event.customer
            state.lines = event.lines
            state.totals = event.totals
            state.discounts = event.discounts
            state.linePrices = event.linePrices
            state.status = .placed
        case .paymentAuthorized:
            state.status = .paymentAuthorized
        case .paid(let event):
            state.status = .paid
            state.paid = event.amount
        case .fulfilmentRecorded(let event):
            for line in event.lines { state.fulfilled[line.sku, default: 0] += line.quantity }
            state.status = event.complete ? .fulfilled : .partiallyFulfilled
        case .shipped:
            state.status = .shipped
        case .delivered:
            state.status = .delivered
        case .cancelled(let event):
            state.status = .cancelled
            state.cancellation = event.cause
        case .returnRecorded(let event):
            for line in event.lines { state.returned[line.sku, default: 0] += line.quantity }
            state.refundsPromised += event.refund?.amount ?? 0
        case .refunded(let event):
            state.refunded = event.refundedTotal
            state.refundsPromised = max(0, state.refundsPromised - event.amount.amount)
        }
        return state
    }
}
