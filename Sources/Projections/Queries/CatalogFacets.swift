import Aggregates
import Logging
import PostgresNIO

/// Counts a listing's facets: for each option, how many products the listing would hold with
/// that option chosen in place of the facet's own filter, every other filter kept (so options of
/// one facet are alternatives, and choosing one gives exactly its count).
///
/// One statement for every facet: the products passing the product filters but the category
/// and the brand are found once (through the text search index when there is text), their priced variants
/// read once with a flag per filter, and each facet counts the variants whose other flags hold.
struct CatalogFacets {
    let filter: CatalogFilter
    let client: PostgresClient
    let logger: Logger

    /// At most this many options per facet, the most products first.
    static let maximumValues = 100

    /// Price range bounds in major units; each range runs to the next bound, the last is open.
    static let priceBounds: [Int64] = [0, 10, 25, 50, 100, 250, 500, 1000]

    func count(_ names: [CatalogReader.FacetName]) async throws -> [CatalogReader.Facet] {
        let currency = filter.search.currency
        var unit: Int64 = 1
        for _ in 0..<currency.exponent { unit *= 10 }
        let lows = Self.priceBounds.map { $0 * unit }
        let highs = Self.priceBounds.dropFirst().map { $0 * unit } + [Int64.max]
        var bindings = filter.bindings()
        let (lowsParameter, highsParameter) = ("$\(CatalogFilter.parameterCount + 1)", "$\(CatalogFilter.parameterCount + 2)")
        bindings.append(lows)
        bindings.append(highs)
        // Per requested attribute: its name as a parameter and a flag for every other attribute filter.
        var flags: [String] = []
        var counts: [String] = []
        for (index, name) in names.enumerated() {
            switch name {
            case .category:
                counts.append("""
                    SELECT \(index), level.path, count(DISTINCT c.product_id) FROM candidates c
                      CROSS JOIN LATERAL (SELECT array_to_string(c.category_path[1:depth], '/') AS path
                                          FROM generate_series(1, cardinality(c.category_path)) AS depth) AS level
                    WHERE c.brand_ok AND c.attributes_ok AND c.price_ok AND c.stock_ok GROUP BY level.path
                    """)
            case .brand:
                counts.append("""
                    SELECT \(index), c.brand, count(DISTINCT c.product_id) FROM candidates c
                    WHERE c.category_ok AND c.attributes_ok AND c.price_ok AND c.stock_ok AND c.brand IS NOT NULL GROUP BY c.brand
                    """)
            case .price:
                counts.append("""
                    SELECT \(index), bucket.low::text, count(DISTINCT c.product_id) FROM candidates c
                      JOIN unnest(\(lowsParameter)::bigint[], \(highsParameter)::bigint[]) AS bucket(low, high) ON c.price >= bucket.low AND c.price < bucket.high
                    WHERE c.category_ok AND c.brand_ok AND c.attributes_ok AND c.stock_ok GROUP BY bucket.low
                    """)
            case .inStock:
                counts.append("""
                    SELECT \(index), 'true', count(DISTINCT c.product_id) FROM candidates c
                    WHERE c.category_ok AND c.brand_ok AND c.attributes_ok AND c.price_ok AND c.in_stock
                    """)
            case .attribute(let attribute):
                bindings.append(attribute)
                let parameter = "$\(CatalogFilter.parameterCount + 2 + flags.count + 1)"
                flags.append("\(filter.attributesMatch(leavingOut: parameter)) AS attributes_ok_\(index)")
                counts.append("""
                    SELECT \(index), c.attributes ->> \(parameter), count(DISTINCT c.product_id) FROM candidates c
                    WHERE c.category_ok AND c.brand_ok AND c.attributes_ok_\(index) AND c.price_ok AND c.stock_ok AND c.attributes ? \(parameter)
                    GROUP BY 2
                    """)
            }
        }
        let sql = """
            WITH listed AS MATERIALIZED (
              SELECT p.product_id, p.category_path, p.brand, \(filter.categoryMatches) AS category_ok, \(filter.brandMatches) AS brand_ok
              FROM catalog_products p LEFT JOIN product_ratings r ON r.product_id = p.product_id
              WHERE \(filter.productPredicate(categories: false, brands: false))
            ),
            candidates AS MATERIALIZED (
              SELECT listed.product_id, listed.category_path, listed.category_ok, listed.brand, listed.brand_ok, v.attributes,
                     (v.prices ->> $1)::bigint AS price, v.available > 0 AS in_stock,
                     \(filter.attributesMatch(leavingOut: "$9")) AS attributes_ok,
                     \(filter.priceMatches) AS price_ok,
                     \(filter.stockMatches) AS stock_ok\(flags.map { ",\n" + $0 }.joined())
              FROM listed JOIN catalog_variants v ON v.product_id = listed.product_id
              WHERE v.prices ? $1
            )
            \(counts.joined(separator: "\nUNION ALL\n"))
            """
        var found = [[CatalogReader.FacetValue]](repeating: [], count: names.count)
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        for try await (index, value, products) in rows.decode((Int32, String?, Int64).self) {
            guard let value, products > 0 else { continue }
            let facet = Int(index)
            if names[facet] == .price, let low = Int64(value), let bucket = lows.firstIndex(of: low) {
                let high = highs[bucket] == Int64.max ? nil : highs[bucket]
                found[facet].append(CatalogReader.FacetValue(
                    value: "\(low)-\(high.map(String.init) ?? "")", count: Int(products),
                    from: Money(low, currency), to: high.map { Money($0, currency) }
                ))
            } else {
                found[facet].append(CatalogReader.FacetValue(value: value, count: Int(products), from: nil, to: nil))
            }
        }
        return names.enumerated().map { index, name in
            var values = found[index]
            if name == .price {
                values.sort { ($0.from?.amount ?? 0) < ($1.from?.amount ?? 0) }
            } else {
                values.sort { $0.count != $1.count ? $0.count > $1.count : $0.value < $1.value }
            }
            return CatalogReader.Facet(name: name.text, values: Array(values.prefix(Self.maximumValues)))
        }
    }
}
