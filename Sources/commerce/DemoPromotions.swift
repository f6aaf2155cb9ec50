import Aggregates
import Application
import EventStore
import Foundation

/// The demo's promotions, running from the seed on: the code `WELCOME10` (10 % off the order,
/// once per customer), free standard shipping from €100 and, in the kitchen, buy two get one
/// free — so a fresh `scripts/run` shows codes, automatic promotions and stacking.
enum DemoPromotions {
    static let welcomeCode = "WELCOME10"

    /// The seed places orders before the promotions read model exists: it names the automatic
    /// promotions itself.
    struct Directory: PromotionDirectory {
        let automatic: [PromotionID]
        func automaticPromotionIDs() async throws -> [PromotionID] { automatic }
        func hasOrdered(_ customer: CustomerID) async throws -> Bool { false }
    }

    /// - Returns: the automatic promotions' ids.
    static func create(repository: AggregateRepository, metadata: EventMetadata) async throws -> [PromotionID] {
        let welcome = try PromotionID("promo-welcome")
        let shipping = try PromotionID("promo-free-shipping")
        let kitchen = try PromotionID("promo-kitchen-3for2")
        let definitions: [(PromotionID, PromotionDefinition)] = [
            (welcome, PromotionDefinition(
                name: "Welcome: 10 % off your order", rules: PromotionRules(kind: .percentageOff, target: .order, basisPoints: 1000, segment: .signedIn),
                automatic: false, priority: 50
            )),
            (shipping, PromotionDefinition(
                name: "Free standard shipping from €100",
                rules: PromotionRules(kind: .freeShipping, target: .shipping, minimumSubtotal: ["EUR": 10_000], currencies: ["EUR"]),
                automatic: true, priority: 90
            )),
            (kitchen, PromotionDefinition(
                name: "Kitchen: buy 2, get 1 free",
                rules: PromotionRules(kind: .buyXGetY, target: .lines, buyQuantity: 2, getQuantity: 1, lineFilter: LineFilter(categoryPrefix: ["Home", "Kitchen"])),
                automatic: true, priority: 10
            )),
        ]
        for (id, definition) in definitions {
            let stream = StreamName.of("promotion", id)
            _ = try await repository.execute(Promotion.self, stream, ifMatch: nil, metadata: metadata) { _ in .create(id: id, definition: definition) }
            _ = try await repository.execute(Promotion.self, stream, ifMatch: nil, metadata: metadata) { _ in .activate }
        }
        _ = try await IssueCoupons(repository: repository)(
            .given([try CouponCode(welcomeCode)]), promotion: welcome, usageLimit: nil, perCustomerLimit: 1, metadata: metadata
        )
        return [shipping, kitchen]
    }
}
