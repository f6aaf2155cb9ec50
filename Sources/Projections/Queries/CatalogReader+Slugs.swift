import Foundation
import PostgresNIO

extension CatalogReader {
    /// The product whose SEO slug this is — the first to take it, should two have raced to it —
    /// whatever its status; nil when none has it.
    public func productID(slug: String) async throws -> String? {
        let rows = try await client.query(
            "SELECT product_id FROM catalog_products WHERE slug = \(slug) ORDER BY position, product_id LIMIT 1", logger: logger
        )
        for try await id in rows.decode(String.self) { return id }
        return nil
    }

    /// A product other than `product` that has the slug, as far as the catalog knows.
    public func slugHolder(_ slug: String, except product: String) async throws -> String? {
        let rows = try await client.query(
            "SELECT product_id FROM catalog_products WHERE slug = \(slug) AND product_id <> \(product) LIMIT 1", logger: logger
        )
        for try await id in rows.decode(String.self) { return id }
        return nil
    }
}
