import EventStore
import Foundation
import Projections

/// The floor under any rebuild of `projection`: reading the events it reads, page by page,
/// through the store — and the history it covers (every event of its categories up to where
/// the reading ended, the types it ignores included).
struct RebuildFloor {
    let history: Int64
    let read: Int
    let seconds: Double

    static func measure(_ projection: any Projection, store: PostgresEventStore) async throws -> RebuildFloor {
        let clock = ContinuousClock()
        let filter = EventFilter(categories: projection.categories.sorted(), excludedTypes: projection.ignoredEventTypes.sorted())
        let started = clock.now
        var position: Int64 = 0
        var read = 0
        while true {
            let page = try await store.readAll(after: position, limit: ProjectionRebuilder.pageSize, filter: filter)
            if page.events.isEmpty, page.nextPosition == position { break }
            read += page.events.count
            position = page.nextPosition
        }
        let seconds = (clock.now - started).inSeconds
        let history = try await store.client.query(
            "SELECT count(*)::bigint FROM events WHERE stream_category = ANY(\(projection.categories.sorted())) AND global_position <= \(position)"
        ).decode(Int64.self).collectAll()[0]
        return RebuildFloor(history: history, read: read, seconds: seconds)
    }
}
