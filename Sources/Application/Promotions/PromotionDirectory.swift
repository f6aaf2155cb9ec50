import Aggregates

/// What pricing needs from the read side: which promotions apply automatically (a read model,
/// so a new automatic promotion is offered once the projector has seen it) and whether a
/// customer has ordered before (the `firstOrder` segment). Each promotion's state itself is
/// always read from its stream.
public protocol PromotionDirectory: Sendable {
    /// Automatic promotions that are active or scheduled (not archived, not deactivated).
    func automaticPromotionIDs() async throws -> [PromotionID]
    /// Whether the customer has an order that was not cancelled.
    func hasOrdered(_ customer: CustomerID) async throws -> Bool
}

/// No automatic promotions and no order history: codes still work (for tools and tests that
/// run without read models).
public struct NoPromotionDirectory: PromotionDirectory {
    public init() {}
    public func automaticPromotionIDs() async throws -> [PromotionID] { [] }
    public func hasOrdered(_ customer: CustomerID) async throws -> Bool { false }
}
