import Aggregates
import EventStore

/// Puts a variant on one of the customer's wish lists (the default one is made on the first
/// add), remembering its price now in the currency the customer shops in.
public struct AddToWishlist: Sendable {
    let repository: AggregateRepository

    public init(repository: AggregateRepository) {
        self.repository = repository
    }

    public func callAsFunction(
        customer: CustomerID, list: WishlistID, product: ProductID, sku: SKU, currency: Currency, metadata: EventMetadata
    ) async throws -> CommandResult {
        let variant = try await WishlistProducts(repository: repository).variant(sku, of: product)
        guard let price = try await PriceInCurrency(repository: repository)(variant.prices, in: currency) else {
            throw ApplicationError(.notSoldInCurrency, "\(sku) has no price in \(currency.code)")
        }
        return try await repository.execute(Wishlist.self, .of("wishlist", customer), ifMatch: nil, metadata: metadata) { _ in
            .add(customer: customer, list: list, sku: sku, productId: product, price: price)
        }
    }
}
