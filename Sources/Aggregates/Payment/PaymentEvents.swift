import Foundation

public struct PaymentInitiated: EventPayload {
    public var paymentId: PaymentID
    public var orderId: OrderID
    public var amount: Money
    /// How the customer pays (`card`, `sandbox`…); never card numbers.
    public var method: String
    public static let sample = PaymentInitiated(paymentId: OrderPaymentAuthorized.sample.paymentId, orderId: OrderPlaced.sample.orderId, amount: Money(6445, .EUR), method: "card")
}

public struct PaymentAuthorized: EventPayload {
    public var paymentId: PaymentID
    public var orderId: OrderID
    public var amount: Money
    public var gatewayReference: String
    public static let sample = PaymentAuthorized(paymentId: PaymentInitiated.sample.paymentId, orderId: PaymentInitiated.sample.orderId, amount: Money(6445, .EUR), gatewayReference: "auth_9f2c")
}

public struct PaymentDeclined: EventPayload {
    public var paymentId: PaymentID
    public var orderId: OrderID
    public var reason: String
    public var gatewayReference: String
    public static let sample = PaymentDeclined(paymentId: PaymentInitiated.sample.paymentId, orderId: PaymentInitiated.sample.orderId, reason: "insufficient_funds", gatewayReference: "auth_1d0e")
}

public struct PaymentCaptured: EventPayload {
    /// v2 added the operation id (and, for voids, the gateway reference); v1 upcasts unchanged.
    public static let schemaVersion = 2
    public var paymentId: PaymentID
    public var orderId: OrderID
    public var amount: Money
    public var capturedTotal: Money
    public var gatewayReference: String
    /// The requested operation this completes; nil when the gateway reported it on its own.
    public var operationId: String?
    public static let sample = PaymentCaptured(paymentId: PaymentInitiated.sample.paymentId, orderId: PaymentInitiated.sample.orderId, amount: Money(6445, .EUR), capturedTotal: Money(6445, .EUR), gatewayReference: "cap_77aa", operationId: "op_capture_1")
}

public struct PaymentVoided: EventPayload {
    /// v2 added the operation id (and, for voids, the gateway reference); v1 upcasts unchanged.
    public static let schemaVersion = 2
    public var paymentId: PaymentID
    public var orderId: OrderID
    public var reason: String
    public var operationId: String?
    public var gatewayReference: String?
    public static let sample = PaymentVoided(paymentId: PaymentInitiated.sample.paymentId, orderId: PaymentInitiated.sample.orderId, reason: "order cancelled", operationId: "op_void_1", gatewayReference: "void_5e1a")
}

public struct PaymentRefunded: EventPayload {
    /// v2 added the operation id (and, for voids, the gateway reference); v1 upcasts unchanged.
    public static let schemaVersion = 2
    public var paymentId: PaymentID
    public var orderId: OrderID
    public var amount: Money
    public var refundedTotal: Money
    public var gatewayReference: String
    public var operationId: String?
    public static let sample = PaymentRefunded(paymentId: PaymentInitiated.sample.paymentId, orderId: PaymentInitiated.sample.orderId, amount: Money(2500, .EUR), refundedTotal: Money(2500, .EUR), gatewayReference: "ref_31bc", operationId: "op_refund_1")
}

/// A capture, void or refund the payment decided, before the gateway is asked to carry it out.
public struct PaymentOperation: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable {
        case capture, void, refund
    }

    /// Unique per payment; the gateway's idempotency key.
    public var operationId: String
    public var kind: Kind
    /// What it moves (zero for a void).
    public var amount: Money
    public var reason: String

    public init(operationId: String, kind: Kind, amount: Money, reason: String) {
        self.operationId = operationId
        self.kind = kind
        self.amount = amount
        self.reason = reason
    }
}

public struct PaymentOperationRequested: EventPayload {
    public var paymentId: PaymentID
    public var orderId: OrderID
    public var operation: PaymentOperation
    public static let sample = PaymentOperationRequested(
        paymentId: PaymentInitiated.sample.paymentId, orderId: PaymentInitiated.sample.orderId,
        operation: PaymentOperation(operationId: "op_capture_1", kind: .capture, amount: Money(6445, .EUR), reason: "captured by an admin")
    )
}

public enum PaymentEvent: DomainEvent {
    case initiated(PaymentInitiated)
    case authorized(PaymentAuthorized)
    case declined(PaymentDeclined)
    case captured(PaymentCaptured)
    case voided(PaymentVoided)
    case refunded(PaymentRefunded)
    case operationRequested(PaymentOperationRequested)

    public static let payloadTypes: [any EventPayload.Type] = [
        PaymentInitiated.self, PaymentAuthorized.self, PaymentDeclined.self, PaymentCaptured.self, PaymentVoided.self, PaymentRefunded.self,
        PaymentOperationRequested.self,
    ]

    public var payload: any EventPayload {
        switch self {
        case .initiated(let payload): payload
        case .authorized(let payload): payload
        case .declined(let payload): payload
        case .captured(let payload): payload
        case .voided(let payload): payload
        case .refunded(let payload): payload
        case .operationRequested(let payload): payload
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let payload as PaymentInitiated: self = .initiated(payload)
        case let payload as PaymentAuthorized: self = .authorized(payload)
        case let payload as PaymentDeclined: self = .declined(payload)
        case let payload as PaymentCaptured: self = .captured(payload)
        case let payload as PaymentVoided: self = .voided(payload)
        case let payload as PaymentRefunded: self = .refunded(payload)
        case let payload as PaymentOperationRequested: self = .operationRequested(payload)
        default: return nil
        }
    }
}
