import Aggregates
import Application
import Foundation
import Projections
import Synchronization

/// Pricing's view of the read side, from the promotions read model and the order history.
///
/// The list of automatic promotions is asked for by every cart view and every checkout attempt,
/// and changes only when an admin creates or archives one: it is kept for a second. (The read
/// model lags the store anyway; a promotion's state itself is always read from its stream.)
final class ReadModelPromotionDirectory: PromotionDirectory {
    private let reader: PromotionsReader
    private let maximumAge: Duration
    private let cached = Mutex<(ids: [PromotionID], at: ContinuousClock.Instant)?>(nil)

    init(reader: PromotionsReader, maximumAge: Duration = .seconds(1)) {
        self.reader = reader
        self.maximumAge = maximumAge
    }

    func automaticPromotionIDs() async throws -> [PromotionID] {
        let now = ContinuousClock.now
        if let hit = cached.withLock({ $0 }), now - hit.at < maximumAge { return hit.ids }
        let ids = try await reader.automaticPromotionIDs()
        cached.withLock { $0 = (ids, now) }
        return ids
    }

    func hasOrdered(_ customer: CustomerID) async throws -> Bool {
        try await reader.hasOrdered(customer)
    }
}
