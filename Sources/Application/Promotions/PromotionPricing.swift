import Aggregates
import EventStore
import Foundation

/// Prices carts with their promotions: loads what ``PromotionEngine`` needs — the automatic
/// promotions and the cart's coupons with their promotions (each from its stream, at a version
/// checkout can expect), product categories and the shopper's history only when some offer asks
/// for them.
public struct PromotionPricing: Sendable {
    /// The context and the streams it was read from, with their versions.
    public struct Loaded: Sendable {
        public var context: PromotionContext
        public var versions: [StreamName: Int64]
    }

    let repository: AggregateRepository
    let directory: any PromotionDirectory

    public init(repository: AggregateRepository, directory: any PromotionDirectory) {
        self.repository = repository
        self.directory = directory
    }

    public func load(for cart: Cart.State, now: Date) async throws -> Loaded {
        var versions: [StreamName: Int64] = [:]
        var automatic: [Promotion.State] = []
        for id in try await directory.automaticPromotionIDs() {
            let stream = StreamName.of("promotion", id)
            let (promotion, version) = try await repository.load(Promotion.self, stream)
            guard promotion.isLive(at: now), promotion.definition?.automatic == true else { continue }
            automatic.append(promotion)
            versions[stream] = version
        }
        var coupons: [CouponCode: PromotionContext.CouponOffer] = [:]
        for code in cart.couponCodes {
            let couponStream = StreamName.of("coupon", code)
            let (coupon, couponVersion) = try await repository.load(Coupon.self, couponStream)
            guard let promotionID = coupon.promotionId else { continue }
            versions[couponStream] = couponVersion
            let promotionStream = StreamName.of("promotion", promotionID)
            let (promotion, promotionVersion) = try await repository.load(Promotion.self, promotionStream)
            versions[promotionStream] = promotionVersion
            coupons[code] = PromotionContext.CouponOffer(coupon: coupon, promotion: promotion.id == nil ? nil : promotion)
        }
        let offered = automatic + coupons.values.compactMap(\.promotion)
        let rules = offered.compactMap(\.definition?.rules)
        var categories: [ProductID: [String]] = [:]
        if rules.contains(where: { $0.lineFilter?.categoryPrefix != nil }) {
            for productID in Set(cart.lines.map(\.productId)) {
                categories[productID] = try await repository.load(Product.self, .of("product", productID)).state.categoryPath
            }
        }
        var customerID: CustomerID?
        if case .customer(let id) = cart.owner { customerID = id }
        var hasOrdered = false
        if let customerID, rules.contains(where: { $0.segment == .firstOrder }) {
            hasOrdered = try await directory.hasOrdered(customerID)
        }
        return Loaded(
            context: PromotionContext(automatic: automatic, coupons: coupons, shopper: Shopper(customerId: customerID, hasOrderedBefore: hasOrdered),
                                      categories: categories, now: now),
            versions: versions
        )
    }

    /// The cart priced as it would be checked out now.
    public func price(_ cart: Cart.State, pricing: PricingPolicy = .standard, now: Date = Date()) async throws -> CartPricing {
        let context = try await load(for: cart, now: now).context
        return try Self.priced(cart, pricing, context)
    }

    /// The engine's typed throw, called outside any async function: inlined into one, it crashed
    /// the Swift 6.3.1 optimiser's coroutine splitting in release builds.
    @inline(never)
    static func priced(_ cart: Cart.State, _ pricing: PricingPolicy, _ context: PromotionContext) throws -> CartPricing {
        try cart.priced(pricing, promotions: context)
    }
}
