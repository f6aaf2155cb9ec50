import Aggregates
import Logging
import PostgresNIO

/// Counts a listing's facets: for each option, how many products the listing would hold with
/// that option chosen in place of the facet's own filter, every other filter kept (so options of
/// one facet are alternatives, and choosing one gives exactly its count).
struct CatalogFacets {
    let filter: CatalogFilter
    let client: PostgresClient
    let logger: Logger

    /// At most this many options per facet, the most products first.
    static let maximumValues = 100

    /// Price range bounds in major units; each range runs to the next bound, the last is open.
    static let priceBounds: [Int64] = [0, 10, 25, 50, 100, 250, 500, 1000]

    func count(_ names: [CatalogReader.FacetName]) async throws -> [CatalogReader.Facet] {
        var facets: [CatalogReader.Facet] = []
        for name in names {
            let values = switch name {
            case .category: try await categories()
            case .price: try await prices()
            case .inStock: try await inStock()
            case .attribute(let attribute): try await values(of: attribute)
            }
            facets.append(CatalogReader.Facet(name: name.text, values: values))
        }
        return facets
    }

    /// Every level of the matching products' category paths.
    private func categories() async throws -> [CatalogReader.FacetValue] {
        let sql = """
            SELECT level.path, count(*)::bigint AS products
            FROM catalog_products p LEFT JOIN product_ratings r ON r.product_id = p.product_id
              CROSS JOIN LATERAL (SELECT array_to_string(p.category_path[1:depth], '/') AS path
                                  FROM generate_series(1, cardinality(p.category_path)) AS depth) AS level
            WHERE \(filter.productPredicate(categories: false))
              AND EXISTS (SELECT 1 FROM catalog_variants v WHERE v.product_id = p.product_id AND \(filter.variantPredicate()))
            GROUP BY level.path
            ORDER BY products DESC, level.path
            LIMIT \(Self.maximumValues)
            """
        return try await options(sql, bindings: filter.bindings())
    }

    private func values(of attribute: String) async throws -> [CatalogReader.FacetValue] {
        let sql = """
            SELECT v.attributes ->> $9 AS option, count(DISTINCT p.product_id)::bigint AS products
            FROM catalog_products p JOIN catalog_variants v ON v.product_id = p.product_id
              LEFT JOIN product_ratings r ON r.product_id = p.product_id
            WHERE \(filter.productPredicate()) AND v.attributes ? $9 AND \(filter.variantPredicate())
            GROUP BY option
            ORDER BY products DESC, option
            LIMIT \(Self.maximumValues)
            """
        return try await options(sql, bindings: filter.bindings(leavingOutAttribute: attribute))
    }

    private func inStock() async throws -> [CatalogReader.FacetValue] {
        let sql = """
            SELECT 'true', count(DISTINCT p.product_id)::bigint
            FROM catalog_products p JOIN catalog_variants v ON v.product_id = p.product_id
              LEFT JOIN product_ratings r ON r.product_id = p.product_id
            WHERE \(filter.productPredicate()) AND v.available > 0 AND \(filter.variantPredicate(stock: false))
            """
        return try await options(sql, bindings: filter.bindings()).filter { $0.count > 0 }
    }

    /// Ranges between ``priceBounds`` in the currency's minor units; a product counts in every
    /// range one of its matching variants is priced in.
    private func prices() async throws -> [CatalogReader.FacetValue] {
        let currency = filter.search.currency
        var unit: Int64 = 1
        for _ in 0..<currency.exponent { unit *= 10 }
        let lows = Self.priceBounds.map { $0 * unit }
        let highs = Self.priceBounds.dropFirst().map { $0 * unit } + [Int64.max]
        var bindings = filter.bindings()
        bindings.append(lows)
        bindings.append(highs)
        let sql = """
            SELECT bucket.low, count(DISTINCT p.product_id)::bigint
            FROM catalog_products p JOIN catalog_variants v ON v.product_id = p.product_id
              LEFT JOIN product_ratings r ON r.product_id = p.product_id
              JOIN unnest($10::bigint[], $11::bigint[]) AS bucket(low, high)
                ON (v.prices ->> $1)::bigint >= bucket.low AND (v.prices ->> $1)::bigint < bucket.high
            WHERE \(filter.productPredicate()) AND \(filter.variantPredicate(price: false))
            GROUP BY bucket.low
            ORDER BY bucket.low
            """
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        var values: [CatalogReader.FacetValue] = []
        for try await (low, products) in rows.decode((Int64, Int64).self) {
            let index = lows.firstIndex(of: low) ?? 0
            let high = highs[index] == Int64.max ? nil : highs[index]
            values.append(CatalogReader.FacetValue(
                value: "\(low)-\(high.map(String.init) ?? "")", count: Int(products),
                from: Money(low, currency), to: high.map { Money($0, currency) }
            ))
        }
        return values
    }

    private func options(_ sql: String, bindings: PostgresBindings) async throws -> [CatalogReader.FacetValue] {
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        var values: [CatalogReader.FacetValue] = []
        for try await (value, products) in rows.decode((String, Int64).self) {
            values.append(CatalogReader.FacetValue(value: value, count: Int(products), from: nil, to: nil))
        }
        return values
    }
}
