import Foundation

/// A code was issued for a promotion, with limits of its own (nil: only the promotion's).
public struct CouponIssued: EventPayload {
    public var code: CouponCode
    public var promotionId: PromotionID
    public var usageLimit: Int?
    public var perCustomerLimit: Int?
    public static let sample = CouponIssued(code: try! CouponCode("SUMMER-10"), promotionId: PromotionCreated.sample.promotionId, usageLimit: 25, perCustomerLimit: 1)
}

/// The code no longer applies (the promotion may go on with other codes).
public struct CouponDisabled: EventPayload {
    public var code: CouponCode
    public static let sample = CouponDisabled(code: CouponIssued.sample.code)
}

/// An order used the code (recorded only for a code with limits, in the checkout's transaction).
public struct CouponRedeemed: EventPayload {
    public var code: CouponCode
    public var orderId: OrderID
    public var customerId: CustomerID?
    public static let sample = CouponRedeemed(code: CouponIssued.sample.code, orderId: PromotionRedeemed.sample.orderId, customerId: PromotionRedeemed.sample.customerId)
}

/// A cancelled order gave its use of the code back.
public struct CouponRedemptionReleased: EventPayload {
    public var code: CouponCode
    public var orderId: OrderID
    public static let sample = CouponRedemptionReleased(code: CouponIssued.sample.code, orderId: PromotionRedeemed.sample.orderId)
}

public enum CouponEvent: DomainEvent {
    case issued(CouponIssued)
    case disabled(CouponDisabled)
    case redeemed(CouponRedeemed)
    case redemptionReleased(CouponRedemptionReleased)

    public static let payloadTypes: [any EventPayload.Type] = [CouponIssued.self, CouponDisabled.self, CouponRedeemed.self, CouponRedemptionReleased.self]

    public var payload: any EventPayload {
        switch self {
        case .issued(let payload): payload
        case .disabled(let payload): payload
        case .redeemed(let payload): payload
        case .redemptionReleased(let payload): payload
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let payload as CouponIssued: self = .issued(payload)
        case let payload as CouponDisabled: self = .disabled(payload)
        case let payload as CouponRedeemed: self = .redeemed(payload)
        case let payload as CouponRedemptionReleased: self = .redemptionReleased(payload)
        default: return nil
        }
    }
}
