import EventStore
import Logging
import PostgresNIO

/// What the catalog index reads of the catalog view, the ratings and the order counts.
extension CatalogIndex {
    /// The currency codes the variants of `ids` (all when nil) have prices in.
    func currencies(of ids: [String]?) async throws -> Set<String> {
        let rows = try await client.query(
            """
            SELECT DISTINCT jsonb_object_keys(prices) FROM catalog_variants
            WHERE product_id IS NOT NULL AND (\(ids)::text[] IS NULL OR product_id = ANY(\(ids)::text[]))
            """,
            logger: logger
        )
        var codes: Set<String> = []
        for try await code in rows.decode(String.self) { codes.insert(code) }
        return codes
    }

    /// The products of `ids` whatever their status, or with nil every published product, each
    /// with its variants' prices in `currencies` (in that order). By category: a snapshot numbers
    /// them in this order and keeps their variants in it, so a listing of one category reads
    /// neighbouring memory rather than every tenth product's.
    func products(_ ids: [String]?, currencies: [String]) async throws -> [CatalogSnapshot.ProductRow] {
        // Streamed (not read whole first, as `client.query` would) on a watched connection: all
        // published products at once are many rows.
        let logger = logger
        return try await client.withWatchedConnection { connection in
            try await Self.products(ids, currencies: currencies, on: connection, logger: logger)
        }
    }

    private static func products(_ ids: [String]?, currencies: [String], on connection: PostgresConnection, logger: Logger) async throws -> [CatalogSnapshot.ProductRow] {
        let rows = try await connection.query(
            """
            SELECT p.product_id, p.name, p.category_path, p.brand, p.position, p.status = 'published',
                   coalesce(r.rating_sum, 0)::bigint, coalesce(r.rating_count, 0)::bigint, coalesce(o.orders, 0)::bigint,
                   p.changed, coalesce(r.changed, 0)
            FROM catalog_products p
              LEFT JOIN product_ratings r ON r.product_id = p.product_id
              LEFT JOIN rec_products o ON o.product_id = p.product_id
            WHERE (\(ids)::text[] IS NULL AND p.status = 'published') OR p.product_id = ANY(\(ids)::text[])
            ORDER BY p.category_path, p.product_id
            """,
            logger: logger
        )
        var products: [CatalogSnapshot.ProductRow] = []
        var index: [String: Int] = [:]
        for try await (id, name, path, brand, position, published, ratingSum, ratingCount, orders, changed, ratingChanged) in rows.decode(
            (String, String, [String], String?, Int64, Bool, Int64, Int64, Int64, Int64, Int64).self
        ) {
            index[id] = products.count
            products.append(CatalogSnapshot.ProductRow(
                id: id, name: name, categoryPath: path, brand: brand, position: position, published: published,
                ratingSum: ratingSum, ratingCount: ratingCount, orders: orders, ratingChange: ratingChanged, catalogChange: changed
            ))
        }
        // One column per currency, the code bound: `(prices ->> 'EUR')::bigint`.
        var bindings = PostgresBindings()
        bindings.append(ids)
        let priceColumns = currencies.indices.map { ", (v.prices ->> $\($0 + 2))::bigint" }.joined()
        let firstPrice = 4
        for code in currencies { bindings.append(code) }
        let variants = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT v.product_id, v.available::bigint, v.attributes::text, v.changed\(priceColumns)
                    FROM catalog_variants v
                    WHERE v.product_id IS NOT NULL AND ($1::text[] IS NULL OR v.product_id = ANY($1::text[]))
                    """,
                binds: bindings
            ),
            logger: logger
        )
        for try await row in variants {
            let cells = row.makeRandomAccess()
            guard let product = index[try cells[0].decode(String.self)] else { continue }
            products[product].variants.append(CatalogSnapshot.VariantRow(
                available: try cells[1].decode(Int64.self),
                attributesJSON: try cells[2].decode(String.self),
                prices: try currencies.indices.map { try cells[$0 + firstPrice].decode(Int64?.self) }
            ))
            products[product].catalogChange = max(products[product].catalogChange, try cells[3].decode(Int64.self))
        }
        return products
    }
}
