import Foundation

/// What pricing a cart with promotions needs besides the cart: the automatic promotions that
/// may apply, the coupons the cart names with their promotions, who is shopping, the products'
/// categories and the time. Loaded by the application layer; the evaluation is pure.
public struct PromotionContext: Sendable, Equatable {
    public struct CouponOffer: Sendable, Equatable {
        public var coupon: Coupon.State
        /// Nil when the promotion is gone (it never is: promotions are archived, not deleted).
        public var promotion: Promotion.State?

        public init(coupon: Coupon.State, promotion: Promotion.State?) {
            self.coupon = coupon
            self.promotion = promotion
        }
    }

    /// Candidates; those not live at `now` are skipped.
    public var automatic: [Promotion.State]
    /// By code; a code of the cart missing here is unknown.
    public var coupons: [CouponCode: CouponOffer]
    public var shopper: Shopper
    public var categories: [ProductID: [String]]
    public var now: Date

    public init(automatic: [Promotion.State], coupons: [CouponCode: CouponOffer], shopper: Shopper, categories: [ProductID: [String]], now: Date) {
        self.automatic = automatic
        self.coupons = coupons
        self.shopper = shopper
        self.categories = categories
        self.now = now
    }

    /// No promotions at all.
    public static func none(at now: Date) -> PromotionContext {
        PromotionContext(automatic: [], coupons: [:], shopper: Shopper(customerId: nil, hasOrderedBefore: false), categories: [:], now: now)
    }
}

/// The customer a cart is priced for.
public struct Shopper: Sendable, Equatable {
    /// Nil for a guest.
    public var customerId: CustomerID?
    /// Whether they have placed an order before (the `firstOrder` segment).
    public var hasOrderedBefore: Bool

    public init(customerId: CustomerID?, hasOrderedBefore: Bool) {
        self.customerId = customerId
        self.hasOrderedBefore = hasOrderedBefore
    }
}
