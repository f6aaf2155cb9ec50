import Foundation

/// What a cart costs once promotions are applied: per line, per promotion, per coupon code, and
/// in total. Recorded on the checkout and the order, so a refund can give back a line's share.
public struct CartPricing: Codable, Sendable, Equatable {
    public var lines: [LinePrice]
    public var discounts: [AppliedDiscount]
    public var coupons: [CouponStatus]
    public var totals: CartTotals

    public init(lines: [LinePrice], discounts: [AppliedDiscount], coupons: [CouponStatus], totals: CartTotals) {
        self.lines = lines
        self.discounts = discounts
        self.coupons = coupons
        self.totals = totals
    }
}

/// One line's money: `total = subtotal − discount + tax`.
public struct LinePrice: Codable, Sendable, Hashable {
    public var sku: SKU
    /// Unit price × quantity.
    public var subtotal: Money
    /// Its share of every discount.
    public var discount: Money
    /// Tax on the discounted amount.
    public var tax: Money
    public var total: Money

    public init(sku: SKU, subtotal: Money, discount: Money, tax: Money, total: Money) {
        self.sku = sku
        self.subtotal = subtotal
        self.discount = discount
        self.tax = tax
        self.total = total
    }
}

/// What one promotion took off, and from which lines and the shipping: `amount` is exactly
/// the sum of the line amounts and `shipping`.
public struct AppliedDiscount: Codable, Sendable, Hashable {
    public var promotionId: PromotionID
    public var name: String
    /// The code it came through; nil for an automatic promotion.
    public var code: CouponCode?
    public var amount: Money
    public var lines: [LineAmount]
    public var shipping: Money

    public init(promotionId: PromotionID, name: String, code: CouponCode?, amount: Money, lines: [LineAmount], shipping: Money) {
        self.promotionId = promotionId
        self.name = name
        self.code = code
        self.amount = amount
        self.lines = lines
        self.shipping = shipping
    }

    public static let sample = AppliedDiscount(
        promotionId: PromotionCreated.sample.promotionId, name: "Summer sale", code: CouponIssued.sample.code, amount: Money(500, .EUR),
        lines: [LineAmount(sku: CartLine.sample.sku, amount: Money(500, .EUR))], shipping: Money(0, .EUR)
    )
}

public struct LineAmount: Codable, Sendable, Hashable {
    public var sku: SKU
    public var amount: Money

    public init(sku: SKU, amount: Money) {
        self.sku = sku
        self.amount = amount
    }
}

/// A coupon code in the cart: applied, or listed with the reason it gives nothing.
public struct CouponStatus: Codable, Sendable, Hashable {
    public var code: CouponCode
    public var promotionId: PromotionID?
    public var applied: Bool
    public var refusal: CouponRefusal?
    public var message: String?

    public init(code: CouponCode, promotionId: PromotionID?, refusal: CouponRefusal?) {
        self.code = code
        self.promotionId = promotionId
        self.applied = refusal == nil
        self.refusal = refusal
        self.message = refusal?.explanation
    }
}
