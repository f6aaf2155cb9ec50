import Aggregates
import EventStore

/// Deletes a category that is empty: no subcategories (the tree decides) and no products that
/// are not discontinued (the catalog view tells). A product put in the category between the
/// count and the deletion keeps the path it showed (the catalog falls back to the path its own
/// events carry).
public struct DeleteCategory: Sendable {
    let repository: AggregateRepository
    /// The products in a category, as the catalog view counts them.
    let productsIn: @Sendable (CategoryID) async throws -> Int

    public init(repository: AggregateRepository, productsIn: @escaping @Sendable (CategoryID) async throws -> Int) {
        self.repository = repository
        self.productsIn = productsIn
    }

    public func callAsFunction(_ id: CategoryID, ifMatch: Int64?, metadata: EventMetadata) async throws -> CommandResult {
        let products = try await productsIn(id)
        guard products == 0 else {
            throw DomainError(.categoryNotEmpty, "category \(id) holds \(products) product\(products == 1 ? "" : "s"); move \(products == 1 ? "it" : "them") first")
        }
        return try await repository.execute(CategoryTree.self, .of("category", "tree"), ifMatch: ifMatch, metadata: metadata) { _ in .delete(id: id) }
    }
}
