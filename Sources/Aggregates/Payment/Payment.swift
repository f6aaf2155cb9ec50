import Foundation

/// One payment for an order (an order may have several, e.g. after a declined card).
///
/// initiated → authorized | declined; authorized → captured (in parts, never more than
/// authorized) | voided (only while nothing is captured); captured → refunded (in parts, never
/// more than captured).
///
/// Money moves in two steps: the payment first decides an operation (capture, void or refund)
/// and records it as requested, with an operation id; the gateway is then called with that id
/// as its idempotency key, and the outcome completes the operation. A refused operation never
/// reaches the gateway, and one whose gateway call failed stays pending, visible, until it is
/// completed by a retry with the same key. Operations the gateway reports on its own (webhooks)
/// are recorded directly, idempotent by their gateway reference.
public enum Payment: Decider {
    public enum Status: String, Codable, Sendable {
        case initiated, authorized, declined, captured, voided, refunded
    }

    public struct State: Sendable, Equatable, Encodable {
        public var id: PaymentID?
        public var orderId: OrderID?
        public var amount: Money?
        public var status = Status.initiated
        public var authorized: Money?
        public var captured: Money?
        public var refunded: Money?
        /// Every gateway reference recorded, to ignore a reported operation the second time.
        public var gatewayReferences: Set<String> = []
        /// The authorization's reference: what captures and voids name at the gateway.
        public var authorizationReference: String?
        /// Each completed capture's reference, in order: what refunds name at the gateway.
        public var captureReferences: [String] = []
        /// Operations decided and not completed yet, by operation id.
        public var pending: [String: PaymentOperation] = [:]
        /// Operations completed, by operation id: a second completion records nothing.
        public var completed: Set<String> = []

        /// Money promised by pending operations of one kind.
        public func pendingAmount(_ kind: PaymentOperation.Kind) -> Int64 {
            pending.values.filter { $0.kind == kind }.reduce(0) { $0 + $1.amount.amount }
        }
    }

    public enum Command: Sendable {
        case initiate(id: PaymentID, orderId: OrderID, amount: Money, method: String)
        case authorize(amount: Money, gatewayReference: String)
        case decline(reason: String, gatewayReference: String)
        /// The gateway reported a capture it made (a webhook); requested captures complete with `complete`.
        case capture(amount: Money, gatewayReference: String)
        case refund(amount: Money, gatewayReference: String)
        /// Decides an operation and records it as requested; a known operation id decides nothing.
        case request(PaymentOperation)
        /// The gateway carried out a requested operation.
        case complete(operationId: String, gatewayReference: String)
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
            // Pending captures keep their room: their completion must never exceed the authorization.
            guard total.amount + state.pendingAmount(.capture) <= authorized.amount else {
                throw DomainError(.overCapture, "capturing \(captureAmount) would make \(total) captured of \(authorized) authorized")
            }
            return [.captured(PaymentCaptured(paymentId: id, orderId: orderId, amount: captureAmount, capturedTotal: total, gatewayReference: reference))]

        case .refund(let refundAmount, let reference):
            if state.gatewayReferences.contains(reference) { return [] }
            try validateReference(reference)
            guard let captured = state.captured, state.status == .captured || state.status == .refunded else {
                throw DomainError(.invalidTransition, "payment \(id) is \(state.status.rawValue); nothing was captured to refund")
            }
            try requireAmount(refundAmount, currency)
            let total = try (state.refunded ?? .zero(currency)).adding(refundAmount)
            guard total.amount + state.pendingAmount(.refund) <= captured.amount else {
                throw DomainError(.paymentOverRefund, "refunding \(refundAmount) would make \(total) refunded of \(captured) captured")
            }
            return [.refunded(PaymentRefunded(paymentId: id, orderId: orderId, amount: refundAmount, refundedTotal: total, gatewayReference: reference))]

        case .request(let operation):
            if state.pending[operation.operationId] != nil || state.completed.contains(operation.operationId) { return [] }
            try validateText(operation.operationId, "operation id", maximum: 100)
            try validateText(operation.reason, "reason", maximum: 200)
            try check(operation, state, id: id, currency: currency)
            return [.operationRequested(PaymentOperationRequested(paymentId: id, orderId: orderId, operation: operation))]

        case .complete(let operationId, let reference):
            if state.completed.contains(operationId) { return [] }
            guard let operation = state.pending[operationId] else {
                throw DomainError(.unknownOperation, "payment \(id) has no pending operation \(operationId)")
            }
            try validateReference(reference)
            switch operation.kind {
            case .capture:
                let total = try (state.captured ?? .zero(currency)).adding(operation.amount)
                return [.captured(PaymentCaptured(paymentId: id, orderId: orderId, amount: operation.amount, capturedTotal: total,
                                                  gatewayReference: reference, operationId: operationId))]
            case .void:
                return [.voided(PaymentVoided(paymentId: id, orderId: orderId, reason: operation.reason, operationId: operationId, gatewayReference: reference))]
            case .refund:
                let total = try (state.refunded ?? .zero(currency)).adding(operation.amount)
                return [.refunded(PaymentRefunded(paymentId: id, orderId: orderId, amount: operation.amount, refundedTotal: total,
                                                  gatewayReference: reference, operationId: operationId))]
            }
        }
    }

    /// Whether an operation may be requested now, counting what pending operations promise already.
    private static func check(_ operation: PaymentOperation, _ state: State, id: PaymentID, currency: Currency) throws(DomainError) {
        switch operation.kind {
        case .capture:
            guard state.status == .authorized || state.status == .captured, let authorized = state.authorized else {
                throw DomainError(.invalidTransition, "payment \(id) is \(state.status.rawValue); capture needs an authorization")
            }
            guard state.pendingAmount(.void) == 0 else { throw DomainError(.invalidTransition, "payment \(id) is being voided") }
            try requireAmount(operation.amount, currency)
            let total = (state.captured?.amount ?? 0) + state.pendingAmount(.capture) + operation.amount.amount
            guard total <= authorized.amount else {
                throw DomainError(.overCapture, "capturing \(operation.amount) would make \(Money(total, currency)) captured of \(authorized) authorized")
            }
        case .void:
            guard state.status == .authorized, state.captured == nil, state.pendingAmount(.capture) == 0 else {
                throw DomainError(.invalidTransition, "payment \(id) is \(state.status.rawValue); only an uncaptured authorization is voided")
            }
            guard state.pending.values.allSatisfy({ $0.kind != .void }) else {
                throw DomainError(.invalidTransition, "payment \(id) is being voided already")
            }
        case .refund:
            guard let captured = state.captured, state.status == .captured || state.status == .refunded else {
                throw DomainError(.invalidTransition, "payment \(id) is \(state.status.rawValue); nothing was captured to refund")
            }
            try requireAmount(operation.amount, currency)
            let total = (state.refunded?.amount ?? 0) + state.pendingAmount(.refund) + operation.amount.amount
            guard total <= captured.amount else {
                throw DomainError(.paymentOverRefund, "refunding \(operation.amount) would make \(Money(total, currency)) refunded of \(captured) captured")
            }
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
            state.authorizationReference = event.gatewayReference
            state.gatewayReferences.insert(event.gatewayReference)
        case .declined(let event):
            state.status = .declined
            state.gatewayReferences.insert(event.gatewayReference)
        case .captured(let event):
            state.status = .captured
            state.captured = event.capturedTotal
            state.gatewayReferences.insert(event.gatewayReference)
            state.captureReferences.append(event.gatewayReference)
            state.finish(event.operationId)
        case .voided(let event):
            state.status = .voided
            if let reference = event.gatewayReference { state.gatewayReferences.insert(reference) }
            state.finish(event.operationId)
        case .refunded(let event):
            state.status = .refunded
            state.refunded = event.refundedTotal
            state.gatewayReferences.insert(event.gatewayReference)
            state.finish(event.operationId)
        case .operationRequested(let event):
            state.pending[event.operation.operationId] = event.operation
        }
        return state
    }

    static func validateReference(_ reference: String) throws(DomainError) {
        try validateText(reference, "gateway reference", maximum: 100)
    }

    private static func requireAmount(_ money: Money, _ currency: Currency) throws(DomainError) {
        guard money.currency == currency else { throw DomainError(.currencyMismatch, "the payment is in \(currency), not \(money.currency)") }
        guard money.amount > 0 else { throw DomainError(.invalidAmount, "the amount must be positive, not \(money)") }
    }
}

extension Payment.State {
    mutating func finish(_ operationId: String?) {
        guard let operationId else { return }
        pending[operationId] = nil
        completed.insert(operationId)
    }
}
