import PostgresNIO

/// The pair sums behind also-bought, also-viewed and for-you, as a prepared statement: each of
/// these lists runs it, so it is parsed and planned once per connection rather than per request
/// (planning cost more than running it for one product). For weighted products i and each other
/// product x not excluded: `Σᵢ weightᵢ · (bought · cos_bought(i, x) + viewed · cos_viewed(i, x))`,
/// with `cos = together / √(count(i) · count(x))` over pairs seen at least `minimumSupport`
/// times; the best `limit`. A pairing weighted 0 is not read at all.
struct PairNeighboursStatement: PostgresPreparedStatement {
    typealias Row = (String, Double)

    static let sql = """
        SELECT other_id, sum(part) AS score FROM (
            SELECT c.other_id, w.weight * $4 * c.orders::float8 / sqrt(a.orders::float8 * b.orders::float8) AS part
            FROM unnest($1::text[], $2::float8[]) AS w(product_id, weight)
            JOIN rec_co_purchases c ON c.product_id = w.product_id
            JOIN rec_products a ON a.product_id = c.product_id JOIN rec_products b ON b.product_id = c.other_id
            WHERE $4 > 0 AND c.orders >= $3 AND NOT c.other_id = ANY($6::text[])
            UNION ALL
            SELECT c.other_id, w.weight * $5 * c.sessions::float8 / sqrt(a.view_sessions::float8 * b.view_sessions::float8) AS part
            FROM unnest($1::text[], $2::float8[]) AS w(product_id, weight)
            JOIN rec_co_views c ON c.product_id = w.product_id
            JOIN rec_products a ON a.product_id = c.product_id JOIN rec_products b ON b.product_id = c.other_id
            WHERE $5 > 0 AND c.sessions >= $3 AND NOT c.other_id = ANY($6::text[])
        ) parts
        GROUP BY other_id ORDER BY score DESC, other_id LIMIT $7
        """

    let products: [String]
    let weights: [Double]
    let minimumSupport: Int64
    /// How much a pair bought together counts, and a pair viewed together (0: not read).
    let bought: Double
    let viewed: Double
    let excluding: [String]
    let limit: Int

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 7)
        bindings.append(products)
        bindings.append(weights)
        bindings.append(minimumSupport)
        bindings.append(bought)
        bindings.append(viewed)
        bindings.append(excluding)
        bindings.append(limit)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> (String, Double) {
        try row.decode((String, Double).self)
    }
}
