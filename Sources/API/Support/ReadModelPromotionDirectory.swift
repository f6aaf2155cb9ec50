import Aggregates
import Application
import Projections

/// Pricing's view of the read side, from the promotions read model and the order history.
struct ReadModelPromotionDirectory: PromotionDirectory {
    let reader: PromotionsReader

    func automaticPromotionIDs() async throws -> [PromotionID] {
        try await reader.automaticPromotionIDs()
    }

    func hasOrdered(_ customer: CustomerID) async throws -> Bool {
        try await reader.hasOrdered(customer)
    }
}
