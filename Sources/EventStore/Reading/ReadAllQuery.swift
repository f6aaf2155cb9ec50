import PostgresNIO

/// The query for one page of `$all` between two positions.
///
/// A filter on one category compares it as a value (`stream_category = $n`), never as a
/// one-element array: given `stream_category = ANY($n)`, PostgreSQL 15 cannot walk
/// `events_category_position` in position order, so it walked the primary key and filtered,
/// and a page of a rare category (searches, reviews: 2–3 % of the store) scanned some 260,000
/// rows for 5,000. Several categories keep the array: readers of several (the catalog,
/// analytics, promotions) take most of the store, where walking the primary key is the right
/// plan, and a branch per category walked the same pages once per branch (analytics' rebuild
/// read 4× slower that way).
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
        let category: String
        switch categories.count {
        case 0: category = ""
        case 1:
            bindings.append(categories[0])
            category = "AND stream_category = $6"
        default:
            bindings.append(categories)
            category = "AND stream_category = ANY($6::text[])"
        }
        return PostgresQuery(
            unsafeSQL: """
                SELECT \(RecordedEvent.columns) FROM events
                WHERE global_position > $1 AND global_position <= $2 \(category)
                  AND (cardinality($3::text[]) = 0 OR event_type = ANY($3::text[]))
                  AND (cardinality($4::text[]) = 0 OR event_type <> ALL($4::text[]))
                ORDER BY global_position LIMIT $5
                """,
            binds: bindings
        )
    }
}
