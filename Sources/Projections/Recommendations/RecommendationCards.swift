import Aggregates
import Foundation
import Logging

/// The cards of listed products, priced per currency, shared by the lists of this process and
/// never older than the age given (``RefreshingCache``): a list of ten popular products then
/// costs no query. A card read as unavailable is kept as such. Like the snapshot of products on
/// sale (``ProductsOnSale``), a card may lag by up to that age.
struct RecommendationCards: Sendable {
    struct Key: Hashable, Sendable {
        let product: String
        let currency: String
    }

    /// How many cards are kept at most.
    static let capacity = 20_000

    let catalog: CatalogReader
    private let kept: RefreshingCache<Key, CatalogReader.Product?>

    init(catalog: CatalogReader, maximumAge: Duration, logger: Logger) {
        self.catalog = catalog
        kept = RefreshingCache(maximumAge: maximumAge, capacity: Self.capacity, logger: logger)
    }

    /// Of `ids`, the cards of the products a shopper can buy now in `currency`, by id; when
    /// `fresh`, all read now.
    func available(ids: [String], currency: Currency, fresh: Bool = false) async throws -> [String: CatalogReader.Product] {
        let cards = try await kept.values(for: ids.map { Key(product: $0, currency: currency.code) }, fresh: fresh) { [catalog] keys in
            let read = try await catalog.availableProducts(ids: keys.map(\.product), currency: currency)
            return Dictionary(keys.map { ($0, read[$0.product]) }, uniquingKeysWith: { first, _ in first })
        }
        var found: [String: CatalogReader.Product] = [:]
        for (key, card) in cards { if let card { found[key.product] = card } }
        return found
    }
}
