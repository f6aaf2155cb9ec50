import Aggregates

/// Checkout refused because a coupon code in the cart ran out of uses (in all, or for this
/// customer) since the customer saw its discount: nothing is written. Removing the code, or
/// checking out again to pay the price without it, are the ways on.
public struct PromotionUnavailable: Error, Sendable, Hashable {
    public let promotionId: PromotionID
    public let code: CouponCode?
    public let refusal: CouponRefusal

    public var message: String {
        "promotion \(promotionId)\(code.map { " (code \($0))" } ?? ""): \(refusal.explanation)"
    }
}
