import Aggregates
import EventStore

/// A variant as a wish list and a cart take it: from its product's stream (the source of truth,
/// not the catalog view, which may lag); only published products can be wished or bought.
struct WishlistProducts {
    let repository: AggregateRepository

    func variant(_ sku: SKU, of product: ProductID) async throws -> (name: String, prices: [String: Money]) {
        let (state, _) = try await repository.load(Product.self, .of("product", product))
        guard state.id != nil, let variant = state.variant(sku) else { throw ApplicationError.notFound("sku \(sku) of product \(product)") }
        guard state.status == .published else { throw ApplicationError(.notForSale, "\(state.name) is \(state.status.rawValue)") }
        return (state.name, variant.prices)
    }
}
