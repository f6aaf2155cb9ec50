/// Why a coupon code in a cart gives no discount. The code stays in the cart, listed with
/// this reason, until the customer removes it or it applies again.
public enum CouponRefusal: String, Codable, Sendable, CaseIterable {
    case unknown, disabled, usedUp, usedUpByCustomer, signInRequired
    case promotionInactive, notStarted, expired
    case currencyNotSupported, segmentExcluded, minimumSubtotalNotMet, minimumQuantityNotMet, noMatchingLines
    case notCombinable, stoppedByEarlierPromotion

    public var explanation: String {
        switch self {
        case .unknown: "there is no such code"
        case .disabled: "the code was withdrawn"
        case .usedUp: "the code has been used as often as it may be"
        case .usedUpByCustomer: "you have used this code as often as you may"
        case .signInRequired: "sign in to use this code"
        case .promotionInactive: "the promotion is not running"
        case .notStarted: "the promotion has not started yet"
        case .expired: "the promotion has ended"
        case .currencyNotSupported: "the promotion does not apply in this currency"
        case .segmentExcluded: "the promotion is not offered to you"
        case .minimumSubtotalNotMet: "the cart's subtotal is below the promotion's minimum"
        case .minimumQuantityNotMet: "the cart holds fewer items than the promotion needs"
        case .noMatchingLines: "no item in the cart is part of the promotion"
        case .notCombinable: "the code cannot be combined with the other code in the cart"
        case .stoppedByEarlierPromotion: "an earlier promotion excludes further discounts"
        }
    }

    /// Reasons that do not depend on the cart's contents (or a code already in it): the code
    /// cannot be added at all.
    public var refusesAdding: Bool {
        switch self {
        case .unknown, .disabled, .usedUp, .usedUpByCustomer, .signInRequired, .promotionInactive, .expired, .segmentExcluded, .notCombinable: true
        default: false
        }
    }

    /// Reasons that mean the uses ran out: checking out with such a code is refused, not
    /// quietly placed without the discount the customer was shown.
    public var isExhaustion: Bool { self == .usedUp || self == .usedUpByCustomer }
}
