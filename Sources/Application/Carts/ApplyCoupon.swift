import Aggregates
import EventStore
import Foundation

/// Adds a coupon code to a cart when it could apply: a code that is unknown, withdrawn, used
/// up, not running, not for this customer or not combinable with the code already there is
/// refused (``CouponNotUsable``); one that only waits for the cart's contents (a minimum, a
/// matching item, the currency) is added and listed with its reason until it applies.
public struct ApplyCoupon: Sendable {
    let repository: AggregateRepository
    let promotions: PromotionPricing

    public init(repository: AggregateRepository, promotions: PromotionPricing) {
        self.repository = repository
        self.promotions = promotions
    }

    public func callAsFunction(_ code: CouponCode, cart id: CartID, owns: @escaping @Sendable (CartOwner?) -> Bool, ifMatch: Int64?,
                               metadata: EventMetadata) async throws -> CommandResult {
        let stream = StreamName.of("cart", id)
        let (cart, _) = try await repository.load(Cart.self, stream)
        guard cart.id != nil, owns(cart.owner) else { throw ApplicationError.notFound("cart \(id)") }
        try await refuseIfUnusable(code, in: cart)
        return try await repository.execute(Cart.self, stream, ifMatch: ifMatch, metadata: metadata) { state in
            guard state.id != nil, owns(state.owner) else { throw ApplicationError.notFound("cart \(id)") }
            return .applyCoupon(code)
        }
    }
}

extension ApplyCoupon {
    /// Prices the cart as if it held the code; throws ``CouponNotUsable`` when the code could
    /// not apply whatever the cart holds.
    func refuseIfUnusable(_ code: CouponCode, in cart: Cart.State) async throws {
        var trial = cart
        if !trial.couponCodes.contains(code) { trial.couponCodes.append(code) }
        let priced = try await promotions.price(trial)
        if let status = priced.coupons.first(where: { $0.code == code }), let refusal = status.refusal, refusal.refusesAdding {
            throw CouponNotUsable(code: code, promotionId: status.promotionId, refusal: refusal)
        }
    }
}

/// A coupon code that cannot be added to the cart, and why.
public struct CouponNotUsable: Error, Sendable, Hashable {
    public let code: CouponCode
    public let promotionId: PromotionID?
    public let refusal: CouponRefusal
}
