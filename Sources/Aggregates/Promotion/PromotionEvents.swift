import Foundation

public struct PromotionCreated: EventPayload {
    public var promotionId: PromotionID
    public var definition: PromotionDefinition
    public static let sample = PromotionCreated(promotionId: try! PromotionID("promo-summer"), definition: .sample)
}

/// The rules, schedule, stacking or limits changed: `definition` is the whole new definition.
public struct PromotionChanged: EventPayload {
    public var promotionId: PromotionID
    public var definition: PromotionDefinition
    public static let sample = PromotionChanged(promotionId: PromotionCreated.sample.promotionId, definition: .sample)
}

public struct PromotionActivated: EventPayload {
    public var promotionId: PromotionID
    public static let sample = PromotionActivated(promotionId: PromotionCreated.sample.promotionId)
}

public struct PromotionDeactivated: EventPayload {
    public var promotionId: PromotionID
    public static let sample = PromotionDeactivated(promotionId: PromotionCreated.sample.promotionId)
}

/// For good: an archived promotion cannot be changed or activated again.
public struct PromotionArchived: EventPayload {
    public var promotionId: PromotionID
    public static let sample = PromotionArchived(promotionId: PromotionCreated.sample.promotionId)
}

/// An order used the promotion (recorded only for a limited one, in the checkout's transaction).
public struct PromotionRedeemed: EventPayload {
    public var promotionId: PromotionID
    public var orderId: OrderID
    /// The signed-in customer; nil for a guest.
    public var customerId: CustomerID?
    public static let sample = PromotionRedeemed(promotionId: PromotionCreated.sample.promotionId, orderId: try! OrderID("order-1"), customerId: try! CustomerID("cust-1"))
}

/// A cancelled order gave its use back.
public struct PromotionRedemptionReleased: EventPayload {
    public var promotionId: PromotionID
    public var orderId: OrderID
    public static let sample = PromotionRedemptionReleased(promotionId: PromotionCreated.sample.promotionId, orderId: PromotionRedeemed.sample.orderId)
}

public enum PromotionEvent: DomainEvent {
    case created(PromotionCreated)
    case changed(PromotionChanged)
    case activated(PromotionActivated)
    case deactivated(PromotionDeactivated)
    case archived(PromotionArchived)
    case redeemed(PromotionRedeemed)
    case redemptionReleased(PromotionRedemptionReleased)

    public static let payloadTypes: [any EventPayload.Type] = [
        PromotionCreated.self, PromotionChanged.self, PromotionActivated.self, PromotionDeactivated.self, PromotionArchived.self,
        PromotionRedeemed.self, PromotionRedemptionReleased.self,
    ]

    public var payload: any EventPayload {
        switch self {
        case .created(let payload): payload
        case .changed(let payload): payload
        case .activated(let payload): payload
        case .deactivated(let payload): payload
        case .archived(let payload): payload
        case .redeemed(let payload): payload
        case .redemptionReleased(let payload): payload
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let payload as PromotionCreated: self = .created(payload)
        case let payload as PromotionChanged: self = .changed(payload)
        case let payload as PromotionActivated: self = .activated(payload)
        case let payload as PromotionDeactivated: self = .deactivated(payload)
        case let payload as PromotionArchived: self = .archived(payload)
        case let payload as PromotionRedeemed: self = .redeemed(payload)
        case let payload as PromotionRedemptionReleased: self = .redemptionReleased(payload)
        default: return nil
        }
    }
}
