import Foundation

/// One coupon code of a promotion, on a stream of its own (`coupon-<CODE>`): issuing it expects
/// no stream, so a code exists once across all promotions. Uses are counted here only when the
/// code has limits of its own.
public enum Coupon: Decider {
    public struct State: Sendable, Equatable, Encodable {
        public var code: CouponCode?
        public var promotionId: PromotionID?
        public var usageLimit: Int?
        public var perCustomerLimit: Int?
        public var disabled = false
        public var redemptions: [OrderID: CustomerID?] = [:]

        public var uses: Int { redemptions.count }
        public var isLimited: Bool { usageLimit != nil || perCustomerLimit != nil }

        public func uses(by customer: CustomerID) -> Int {
            redemptions.values.reduce(0) { $0 + ($1 == customer ? 1 : 0) }
        }

        /// Why `customer` cannot use the code now, apart from its promotion; nil when they can.
        public func refusal(for customer: CustomerID?) -> CouponRefusal? {
            if disabled { return .disabled }
            if let usageLimit, uses >= usageLimit { return .usedUp }
            if let perCustomerLimit {
                guard let customer else { return .signInRequired }
                if uses(by: customer) >= perCustomerLimit { return .usedUpByCustomer }
            }
            return nil
        }
    }

    public enum Command: Sendable {
        case issue(code: CouponCode, promotionId: PromotionID, usageLimit: Int?, perCustomerLimit: Int?)
        case disable
        case redeem(orderId: OrderID, customerId: CustomerID?)
        case release(orderId: OrderID)
    }

    public typealias Event = CouponEvent
    public static let initialState = State()

    public static func decide(_ command: Command, _ state: State, _ context: DecisionContext) throws(DomainError) -> [Event] {
        if case .issue(let code, let promotionId, let usageLimit, let perCustomerLimit) = command {
            guard state.code == nil else { throw DomainError(.duplicateCoupon, "the code \(code) exists already") }
            if let usageLimit { try requirePositive(usageLimit, "usageLimit", maximum: 100_000_000) }
            if let perCustomerLimit { try requirePositive(perCustomerLimit, "perCustomerLimit", maximum: 1000) }
            return [.issued(CouponIssued(code: code, promotionId: promotionId, usageLimit: usageLimit, perCustomerLimit: perCustomerLimit))]
        }
        guard let code = state.code else { throw DomainError(.unknownCoupon, "no such coupon code") }
        switch command {
        case .issue:
            preconditionFailure("handled above")
        case .disable:
            guard !state.disabled else { return [] }
            return [.disabled(CouponDisabled(code: code))]
        case .redeem(let orderId, let customerId):
            guard state.redemptions[orderId] == nil else { return [] }
            if let refusal = state.refusal(for: customerId) {
                throw DomainError(refusal == .usedUp || refusal == .usedUpByCustomer ? .promotionUsedUp : .couponNotUsable,
                                  "the code \(code) of promotion \(state.promotionId?.rawValue ?? "?"): \(refusal.explanation)")
            }
            return [.redeemed(CouponRedeemed(code: code, orderId: orderId, customerId: customerId))]
        case .release(let orderId):
            guard state.redemptions[orderId] != nil else { return [] }
            return [.redemptionReleased(CouponRedemptionReleased(code: code, orderId: orderId))]
        }
    }

    public static func evolve(_ state: State, _ event: Event) -> State {
        var state = state
        switch event {
        case .issued(let event):
            state.code = event.code
            state.promotionId = event.promotionId
            state.usageLimit = event.usageLimit
            state.perCustomerLimit = event.perCustomerLimit
        case .disabled:
            state.disabled = true
        case .redeemed(let event):
            state.redemptions[event.orderId] = .some(event.customerId)
        case .redemptionReleased(let event):
            state.redemptions.removeValue(forKey: event.orderId)
        }
        return state
    }
}
