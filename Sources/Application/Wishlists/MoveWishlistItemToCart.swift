import Aggregates
import EventStore

/// Moves a wished variant into one of the customer's carts, at the product's current price in
/// the cart's currency: the cart's new line and the item's leaving the list are decided on both
/// streams' versions and appended in one transaction, so a move sent twice at once lands once
/// (the second finds the item gone: `wishlist.unknown_item`).
public struct MoveWishlistItemToCart: Sendable {
    let repository: AggregateRepository

    public init(repository: AggregateRepository) {
        self.repository = repository
    }

    public func callAsFunction(
        customer: CustomerID, list: WishlistID, sku: SKU, cart cartID: CartID, quantity: Int, metadata: EventMetadata
    ) async throws -> [AppendResult] {
        let products = WishlistProducts(repository: repository)
        let wishlistStream = StreamName.of("wishlist", customer)
        let cartStream = StreamName.of("cart", cartID)
        return try await repository.decideTogether(metadata: metadata) { decide in
            let wishlist = try await decide.state(Wishlist.self, wishlistStream)
            guard let listed = wishlist.list(list) else { throw ApplicationError.notFound("wish list \(list)") }
            guard let item = listed.item(sku) else { throw DomainError(.notOnWishlist, "\(sku) is not on wish list \(list)") }
            let cart = try await decide.state(Cart.self, cartStream)
            guard cart.id != nil, case .customer(customer)? = cart.owner else { throw ApplicationError.notFound("cart \(cartID)") }
            let variant = try await products.variant(sku, of: item.productId)
            guard let currency = cart.currency, let price = try await PriceInCurrency(repository: repository)(variant.prices, in: currency) else {
                throw ApplicationError(.notSoldInCurrency, "\(sku) has no price in the cart's currency")
            }
            let line = CartLine(sku: sku, productId: item.productId, name: variant.name, quantity: quantity, unitPrice: price)
            return [
                try await decide(Cart.self, cartStream, .addItem(line)),
                try await decide(Wishlist.self, wishlistStream, .moveToCart(list: list, sku: sku, cart: cartID)),
            ]
        }
    }
}
