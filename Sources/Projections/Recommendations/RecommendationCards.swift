import Aggregates
import Foundation
import Synchronization

/// The cards of listed products, priced per currency, kept for up to ``maximumAge`` and shared by
/// the lists of this process: a list of ten popular products then costs no query. A card read
/// as unavailable is kept as such for as long. Like the snapshot of products on sale
/// (``ProductsOnSale``), a card may lag by up to that age.
final class RecommendationCards: Sendable {
    private struct Key: Hashable {
        let product: String
        let currency: String
    }

    private struct Entry {
        let card: CatalogReader.Product?
        let readAt: ContinuousClock.Instant
    }

    /// Past this many cards, those too old to serve are dropped when more are stored.
    static let pruneAbove = 20_000

    let catalog: CatalogReader
    let maximumAge: Duration
    private let entries = Mutex<[Key: Entry]>([:])

    init(catalog: CatalogReader, maximumAge: Duration) {
        self.catalog = catalog
        self.maximumAge = maximumAge
    }

    /// Of `ids`, the cards of the products a shopper can buy now in `currency`, by id: the
    /// fresh ones from memory, the rest read in one query.
    func available(ids: [String], currency: Currency) async throws -> [String: CatalogReader.Product] {
        let now = ContinuousClock.now
        var found: [String: CatalogReader.Product] = [:]
        var missing: [String] = []
        entries.withLock { entries in
            for id in ids {
                if let entry = entries[Key(product: id, currency: currency.code)], now - entry.readAt < maximumAge {
                    if let card = entry.card { found[id] = card }
                } else {
                    missing.append(id)
                }
            }
        }
        guard !missing.isEmpty else { return found }
        let read = try await catalog.availableProducts(ids: missing, currency: currency)
        entries.withLock { entries in
            if entries.count > Self.pruneAbove { entries = entries.filter { now - $0.value.readAt < maximumAge } }
            for id in missing { entries[Key(product: id, currency: currency.code)] = Entry(card: read[id], readAt: now) }
        }
        return found.merging(read) { cached, _ in cached }
    }
}
