import PostgresNIO

/// The pairs of some products, as a prepared statement (each list that ranks pairs runs it;
/// planning cost more than running it for one product). For each product i and each pairing —
/// bought in the same order (kind 0), viewed in the same session (kind 1) — the other products x
/// seen with it at least `minimumSupport` times, with `cos = together / √(count(i) · count(x))`
/// and the share of i's orders (sessions) that held x too, `together / count(i)`.
/// Unordered: ``PairLists`` ranks them (sorting by text cost the database more than the rest of
/// the query).
struct PairNeighboursStatement: PostgresPreparedStatement {
    typealias Row = (String, Int32, String, Double, Double)

    /// Its name on each connection (the default, made with `String(reflecting:)` at every
    /// execution, cost 1 % of a checkout's CPU).
    static let name = "commerce.pair_neighbours"
    static let sql = """
        SELECT c.product_id, 0, c.other_id, c.orders::float8 / sqrt(a.orders::float8 * b.orders::float8),
               c.orders::float8 / a.orders::float8
        FROM rec_co_purchases c
        JOIN rec_products a ON a.product_id = c.product_id JOIN rec_products b ON b.product_id = c.other_id
        WHERE c.product_id = ANY($1::text[]) AND c.orders >= $2
        UNION ALL
        SELECT c.product_id, 1, c.other_id, c.sessions::float8 / sqrt(a.view_sessions::float8 * b.view_sessions::float8),
               c.sessions::float8 / a.view_sessions::float8
        FROM rec_co_views c
        JOIN rec_products a ON a.product_id = c.product_id JOIN rec_products b ON b.product_id = c.other_id
        WHERE c.product_id = ANY($1::text[]) AND c.sessions >= $2
        """

    let products: [String]
    let minimumSupport: Int64

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(products)
        bindings.append(minimumSupport)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
    }
}
