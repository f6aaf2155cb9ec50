import PostgresNIO

/// The last position at or below a bound that holds an event of one of several categories: one
/// backward step of `events_category_position` per category, whatever lies between.
///
/// A read of several categories walks the primary key and filters (see ``ReadAllQuery``), so a
/// page after their last event walks every later event of the others to the frontier: on
/// `commerce-bench projection`'s history, the catalog's last page walked 3.3M rows for none
/// (1.48 s of a 5.5 s rebuild), promotions' 2.6M. With this bound the walk stops at the last
/// event there is. The rows are ordered by both of the index's columns, so that no other index
/// can give that order (as in ``ReadAllQuery``).
struct LastInCategoriesStatement: PostgresPreparedStatement {
    typealias Row = Int64?

    static let name = "commerce.events_last_in_categories"
    static let sql = """
        SELECT max(last.position) FROM unnest($1::text[]) AS wanted(category)
        CROSS JOIN LATERAL (
          SELECT e.global_position AS position FROM events AS e
          WHERE e.stream_category = wanted.category AND (e.stream_category, e.global_position) <= (wanted.category, $2)
          ORDER BY e.stream_category DESC, e.global_position DESC LIMIT 1
        ) AS last
        """

    let categories: [String]
    let upTo: Int64

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(categories)
        bindings.append(upTo)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Int64?.self)
    }

    /// The last position at or below `upTo` in one of `categories`; nil when there is none.
    static func last(of categories: [String], upTo: Int64, on connection: PostgresConnection, logger: Logger) async throws -> Int64? {
        for try await last in try await connection.execute(LastInCategoriesStatement(categories: categories, upTo: upTo), logger: logger) {
            return last
        }
        return nil
    }
}
