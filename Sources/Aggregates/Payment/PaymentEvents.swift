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
    public var paymentId: PaymentID
    public var orderId: OrderID
    public var amount: Money
    public var capturedTotal: Money
    public var gatewayReference: String
    public static let sample = PaymentCaptured(paymentId: PaymentInitiated.sample.paymentId, orderId: PaymentInitiated.sample.orderId, amount: Money(6445, .EUR), capturedTotal: Money(6445, .EUR), gatewayReference: "cap_77aa")
}

public struct PaymentVoided: EventPayload {
    public var paymentId: PaymentID
    public var orderId: OrderID
    public var reason: String
    public static let sample = PaymentVoided(paymentId: PaymentInitiated.sample.paymentId, orderId: PaymentInitiated.sample.orderId, reason: "order cancelled")
}

public struct PaymentRefunded: EventPayload {
    public var paymentId: PaymentID
    public var orderId: OrderID
    public var amount: Money
    public var refundedTotal: Money
    public var gatewayReference: String
    public static let sample = PaymentRefunded(paymentId: PaymentInitiated.sample.paymentId, orderId: PaymentInitiated.sample.orderId, amount: Money(2500, .EUR), refundedTotal: Money(2500, .EUR), gatewayReference: "ref_31bc")
}

public enum PaymentEvent: DomainEvent {
    case initiated(PaymentInitiated)
    case authorized(PaymentAuthorized)
    case declined(PaymentDeclined)
    case captured(PaymentCaptured)
    case voided(PaymentVoided)
    case refunded(PaymentRefunded)

    public static let payloadTypes: [any EventPayload.Type] = [
        PaymentInitiated.self, PaymentAuthorized.self, PaymentDeclined.self, PaymentCaptured.self, PaymentVoided.self, PaymentRefunded.self,
    ]

    public var payload: any EventPayload {
        switch self {
        case .initiated(let payload): payload
        case .authorized(let payload): payload
        case .declined(let payload): payload
        case .captured(let payload): payload
        case .voided(let payload): payload
        case .refunded(let payload): payload
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
        default: return nil
        }
    }
}
