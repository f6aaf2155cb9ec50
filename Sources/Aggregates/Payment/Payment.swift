import Foundation

/// One payment for an order (an order may have several, e.g. after a declined card).
///
/// initiated → authorized | declined; authorized → captured (in parts, never more than
/// authorized) | voided (only while nothing is captured); captured → refunded (in parts, never
/// more than captured). Gateway operations are idempotent by their gateway reference: the same
/// reference reported twice (a retried webhook) records nothing the second time.
public enum Payment: Decider {
    public enum Status: String, Codable, Sendable {
        case initiated, authorized, declined, captured, voided, refunded
    }

    public struct State: Sendable, Equatable {
        public var id: PaymentID?
        public var orderId: OrderID?
        public var amount: Money?
        public var status = Status.initiated
        public var authorized: Money?
        public var captured: Money?
        public var refunded: Money?
        public var gatewayReferences: Set<String> = []
    }

    public enum Command: Sendable {
        case initiate(id: PaymentID, orderId: OrderID, amount: Money, method: String)
        case authorize(amount: Money, gatewayReference: String)
        case decline(reason: String, gatewayReference: String)
        case capture(amount: Money, gatewayReference: String)
        case void(reason: String)
        case refund(amount: Money, gatewayReference: String)
    }

    public typealias Event = PaymentEvent
    public static let initialState = State()

    public static func decide(_ command: Command, _ state: State, _ context: DecisionContext) throws(DomainError) -> [Event] {
        if case .initiate(let id, let orderId, let amount, let method) = command {
            guard state.id == nil else { throw DomainError(.alreadyExists, "payment \(id) exists already") }
            guard amount.amount > 0 else { throw DomainError(.invalidAmount, "a payment must be for a positive amount") }
            try validateText(method, "payment method", maximum: 50)
            return [.initiated(PaymentInitiated(paymentId: id, orderId: orderId, amount: amount, method: method))]
        }
        guard let id = state.id, let orderId = state.orderId, let amount = state.amount else {
            throw DomainError(.notFound, "the payment does not exist")
        }
        let currency = amount.currency
        switch command {
        case .initiate:
            preconditionFailure("handled above")

        case .authorize(let authorized, let reference):
            if state.gatewayReferences.contains(reference) { return [] }
            try validateReference(reference)
            guard state.status == .initiated else {
                throw DomainError(.invalidTransition, "payment \(id) is \(state.status.rawValue); only an initiated payment is authorized")
            }
            try requireAmount(authorized, currency)
            guard authorized <= amount else { throw DomainError(.invalidAmount, "authorizing \(authorized) of a \(amount) payment") }
            return [.authorized(PaymentAuthorized(paymentId: id, orderId: orderId, amount: authorized, gatewayReference: reference))]

        case .decline(let reason, let reference):
            if state.gatewayReferences.contains(reference) { return [] }
            try validateReference(reference)
            try validateText(reason, "reason", maximum: 200)
            guard state.status == .initiated else {
                throw DomainError(.invalidTransition, "payment \(id) is \(state.status.rawValue); only an initiated payment is declined")
            }
            return [.declined(PaymentDeclined(paymentId: id, orderId: orderId, reason: reason, gatewayReference: reference))]

        case .capture(let captureAmount, let reference):
            if state.gatewayReferences.contains(reference) { return [] }
            try validateReference(reference)
            guard state.status == .authorized || state.status == .captured, let authorized = state.authorized else {
                throw DomainError(.invalidTransition, "payment \(id) is \(state.status.rawValue); capture needs an authorization")
            }
            try requireAmount(captureAmount, currency)
            let total = try (state.captured ?? .zero(currency)).adding(captureAmount)
            guard total <= authorized else {
                throw DomainError(.overCapture, "capturing \(captureAmount) would make \(total) captured of \(authorized) authorized")
            }
            return [.captured(PaymentCaptured(paymentId: id, orderId: orderId, amount: captureAmount, capturedTotal: total, gatewayReference: reference))]

        case .void(let reason):
            try validateText(reason, "reason", maximum: 200)
            switch state.status {
            case .authorized: return [.voided(PaymentVoided(paymentId: id, orderId: orderId, reason: reason))]
            case .voided: return []
            default: throw DomainError(.invalidTransition, "payment \(id) is \(state.status.rawValue); only an uncaptured authorization is voided")
            }

        case .refund(let refundAmount, let reference):
            if state.gatewayReferences.contains(reference) { return [] }
            try validateReference(reference)
            guard let captured = state.captured, state.status == .captured || state.status == .refunded else {
                throw DomainError(.invalidTransition, "payment \(id) is \(state.status.rawValue); nothing was captured to refund")
            }
            try requireAmount(refundAmount, currency)
            let total = try (state.refunded ?? .zero(currency)).adding(refundAmount)
            guard total <= captured else {
                throw DomainError(.paymentOverRefund, "refunding \(refundAmount) would make \(total) refunded of \(captured) captured")
            }
            return [.refunded(PaymentRefunded(paymentId: id, orderId: orderId, amount: refundAmount, refundedTotal: total, gatewayReference: reference))]
        }
    }

    public static func evolve(_ state: State, _ event: Event) -> State {
        var state = state
        switch event {
        case .initiated(let event):
            state.id = event.paymentId
            state.orderId = event.orderId
            state.amount = event.amount
        case .authorized(let event):
            state.status = .authorized
            state.authorized = event.amount
            state.gatewayReferences.insert(event.gatewayReference)
        case .declined(let event):
            state.status = .declined
            state.gatewayReferences.insert(event.gatewayReference)
        case .captured(let event):
            state.status = .captured
            state.captured = event.capturedTotal
            state.gatewayReferences.insert(event.gatewayReference)
        case .voided:
            state.status = .voided
        case .refunded(let event):
            state.status = .refunded
            state.refunded = event.refundedTotal
            state.gatewayReferences.insert(event.gatewayReference)
        }
        return state
    }

    private static func validateReference(_ reference: String) throws(DomainError) {
        try validateText(reference, "gateway reference", maximum: 100)
    }

    private static func requireAmount(_ money: Money, _ currency: Currency) throws(DomainError) {
        guard money.currency == currency else { throw DomainError(.currencyMismatch, "the payment is in \(currency), not \(money.currency)") }
        guard money.amount > 0 else { throw DomainError(.invalidAmount, "the amount must be positive, not \(money)") }
    }
}
