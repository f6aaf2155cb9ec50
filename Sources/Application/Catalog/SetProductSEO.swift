import Aggregates
import EventStore

/// Sets a product's search-engine fields, its slug refused when another product has it in the
/// catalog (which may lag by the projection: two admins giving two products one slug at the
/// same moment both succeed, and the slug finds the first).
public struct SetProductSEO: Sendable {
    let repository: AggregateRepository
    /// Another product with the slug than the one given, as the catalog knows it.
    let slugHolder: @Sendable (_ slug: String, _ except: ProductID) async throws -> String?

    public init(repository: AggregateRepository, slugHolder: @escaping @Sendable (String, ProductID) async throws -> String?) {
        self.repository = repository
        self.slugHolder = slugHolder
    }

    public func callAsFunction(_ product: ProductID, _ seo: ProductSEO, ifMatch: Int64?, metadata: EventMetadata) async throws -> CommandResult {
        if let slug = seo.slug, let holder = try await slugHolder(slug, product) {
            throw DomainError(.duplicateProductSlug, "product \(holder) has the slug \(slug)")
        }
        return try await repository.execute(Product.self, .of("product", product), ifMatch: ifMatch, metadata: metadata) { state in
            guard state.id != nil else { throw ApplicationError.notFound("product \(product)") }
            return .setSEO(seo)
        }
    }
}
