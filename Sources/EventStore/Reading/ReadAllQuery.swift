import PostgresNIO

/// The query for one page of `$all` between two positions.
///
/// A page of one category walks `events_category_position` from the position on. Its bounds
/// are written as row comparisons on the index's columns, ordered by both, so that no other
/// index can give that order: PostgreSQL estimates each category's rows as scattered over the
/// table (the correlation it keeps is of the category alone), so with
/// `stream_category = … AND global_position > …` it walked the primary key and filtered, and a
/// page of a rare category (searches, reviews: 2–3 % of the store) scanned some 160,000–260,000
/// rows for 5,000 (113 ms against 13 ms). Several categories are one array
/// (`stream_category = ANY(…)`): readers of several (the catalog, analytics, promotions) take
/// most of the store, where walking the primary key is right, whereas a branch per category
/// sorted each branch's page before merging them (analytics' rebuild read 4× slower that way).
struct ReadAllQuery {
    let after: Int64
    let upTo: Int64
    let limit: Int
    let filter: EventFilter

    var query: PostgresQuery {
        let categories = Set(filter.categories).sorted()
        var bindings = PostgresBindings(capacity: 6)
        bindings.append(after)
        bindings.append(upTo)
        bindings.append(filter.eventTypes)
        bindings.append(filter.excludedTypes)
        bindings.append(limit)
        // Empty arrays fold away: unnamed statements are planned with their values.
        let range: String
        let order: String
        switch categories.count {
        case 0:
            range = "global_position > $1 AND global_position <= $2"
            order = "global_position"
        case 1:
            bindings.append(categories[0])
            range = "(stream_category, global_position) > ($6, $1) AND (stream_category, global_position) <= ($6, $2)"
            order = "stream_category, global_position"
        default:
            bindings.append(categories)
            range = "global_position > $1 AND global_position <= $2 AND stream_category = ANY($6::text[])"
            order = "global_position"
        }
        return PostgresQuery(
            unsafeSQL: """
                SELECT \(RecordedEvent.columns) FROM events
                WHERE \(range)
                  AND (cardinality($3::text[]) = 0 OR event_type = ANY($3::text[]))
                  AND (cardinality($4::text[]) = 0 OR event_type <> ALL($4::text[]))
                ORDER BY \(order) LIMIT $5
                """,
            binds: bindings
        )
    }
}
