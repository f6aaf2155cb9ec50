import Foundation

/// A promotion: created as a draft, activated and deactivated at will, valid inside its window,
/// archived for good. Uses are counted here only when it has limits: checkout appends
/// ``PromotionRedeemed`` with the version it decided on, so two checkouts cannot both take
/// the last use; a cancelled order may give its use back.
public enum Promotion: Decider {
    public enum Status: String, Codable, Sendable, CaseIterable {
        case draft, active, inactive, archived
    }

    public struct State: Sendable, Equatable, Encodable {
        public var id: PromotionID?
        public var definition: PromotionDefinition?
        public var status = Status.draft
        /// Orders holding a use, with their customer (nil: a guest).
        public var redemptions: [OrderID: CustomerID?] = [:]

        public var uses: Int { redemptions.count }

        public func uses(by customer: CustomerID) -> Int {
            redemptions.values.reduce(0) { $0 + ($1 == customer ? 1 : 0) }
        }

        /// Active, inside its window.
        public func isLive(at now: Date) -> Bool {
            status == .active && definition?.isValid(at: now) == true
        }
    }

    public enum Command: Sendable {
        case create(id: PromotionID, definition: PromotionDefinition)
        case change(PromotionDefinition)
        case activate
        case deactivate
        case archive
        /// An order takes a use; refused when none is left (in all or for the customer).
        case redeem(orderId: OrderID, customerId: CustomerID?)
        /// A cancelled order gives its use back (nothing if it holds none).
        case release(orderId: OrderID)
    }

    public typealias Event = PromotionEvent
    public static let initialState = State()

    public static func decide(_ command: Command, _ state: State, _ context: DecisionContext) throws(DomainError) -> [Event] {
        if case .create(let id, let definition) = command {
            guard state.id == nil else { throw DomainError(.alreadyExists, "promotion \(id) exists already") }
            try definition.validate()
            return [.created(PromotionCreated(promotionId: id, definition: definition))]
        }
        guard let id = state.id, let definition = state.definition else { throw DomainError(.notFound, "the promotion does not exist") }
        switch command {
        case .create:
            preconditionFailure("handled above")
        case .change(let new):
            guard state.status != .archived else { throw DomainError(.invalidTransition, "promotion \(id) is archived") }
            try new.validate()
            guard new != definition else { return [] }
            return [.changed(PromotionChanged(promotionId: id, definition: new))]
        case .activate:
            guard state.status != .archived else { throw DomainError(.invalidTransition, "promotion \(id) is archived") }
            guard state.status != .active else { return [] }
            return [.activated(PromotionActivated(promotionId: id))]
        case .deactivate:
            guard state.status != .archived else { throw DomainError(.invalidTransition, "promotion \(id) is archived") }
            guard state.status == .active else { return [] }
            return [.deactivated(PromotionDeactivated(promotionId: id))]
        case .archive:
            guard state.status != .archived else { return [] }
            return [.archived(PromotionArchived(promotionId: id))]
        case .redeem(let orderId, let customerId):
            guard state.redemptions[orderId] == nil else { return [] }
            guard state.isLive(at: context.now) else {
                throw DomainError(.promotionInactive, "promotion \(id) (\(definition.name)) is not running")
            }
            if let limit = definition.usageLimit, state.uses >= limit {
                throw DomainError(.promotionUsedUp, "promotion \(id) (\(definition.name)) has been used its \(limit) times")
            }
            if let limit = definition.perCustomerLimit {
                guard let customerId else { throw DomainError(.couponNotUsable, "promotion \(id) is for signed-in customers") }
                guard state.uses(by: customerId) < limit else {
                    throw DomainError(.promotionUsedUp, "promotion \(id) (\(definition.name)) was used \(limit) times by this customer")
                }
            }
            return [.redeemed(PromotionRedeemed(promotionId: id, orderId: orderId, customerId: customerId))]
        case .release(let orderId):
            guard state.redemptions[orderId] != nil else { return [] }
            return [.redemptionReleased(PromotionRedemptionReleased(promotionId: id, orderId: orderId))]
        }
    }

    public static func evolve(_ state: State, _ event: Event) -> State {
        var state = state
        switch event {
        case .created(let event):
            state.id = event.promotionId
            state.definition = event.definition
        case .changed(let event):
            state.definition = event.definition
        case .activated:
            state.status = .active
        case .deactivated:
            state.status = .inactive
        case .archived:
            state.status = .archived
        case .redeemed(let event):
            state.redemptions[event.orderId] = .some(event.customerId)
        case .redemptionReleased(let event):
            state.redemptions.removeValue(forKey: event.orderId)
        }
        return state
    }
}
