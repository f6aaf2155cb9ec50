import Aggregates

/// The shop's rules for reviews (`REVIEWS_REQUIRE_PURCHASE`, `REVIEWS_AUTO_APPROVE`).
public struct ReviewPolicy: Sendable {
    /// What a customer must have bought to review a product.
    public enum Purchase: String, Sendable, CaseIterable {
        /// An order with the product that was delivered (the default).
        case delivered
        /// An order with the product that was paid, whatever happened since (not cancelled).
        case paid
        /// Nothing: anyone signed in may review; such reviews are marked unverified.
        case none

        /// The order statuses that qualify.
        public var orderStatuses: [Order.Status] {
            switch self {
            case .delivered: [.delivered]
            case .paid: [.paid, .partiallyFulfilled, .fulfilled, .shipped, .delivered]
            case .none: []
            }
        }
    }

    public var purchase: Purchase
    /// Clean reviews show at once; flagged ones always wait for a moderator.
    public var autoApprove: Bool

    public init(purchase: Purchase = .delivered, autoApprove: Bool = true) {
        self.purchase = purchase
        self.autoApprove = autoApprove
    }
}
