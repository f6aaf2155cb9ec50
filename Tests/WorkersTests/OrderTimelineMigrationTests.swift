import Aggregates
import EventStore
import Foundation
import PostgresNIO
import Projections
import Testing
import TestSupport
import Workers

@Suite("The order timeline on the order's row")
struct OrderTimelineMigrationTests {
    let logger = TestEnvironment.logger

    @Test("each step is its event: type, position, time to the microsecond, in order, read back by the reader")
    func stepsAreTheirEvents() async throws {
        try await withTestDatabase { client, _ in
            let events = try await projectOrders(into: client)
            let byPosition = Dictionary(uniqueKeysWithValues: events.map { ($0.position, $0) })
            let reader = OrderHistoryReader(client: client, logger: logger)
            let orderIDs = try await client.query("SELECT order_id FROM order_history ORDER BY order_id").decode(String.self).collectAll()
            var steps = 0
            for id in orderIDs {
                let timeline = try #require(try await reader.order(id: id)?.timeline)
                let expected = events.filter { $0.stream.rawValue == "order-\(id)" }
                #expect(timeline.map(\.position) == expected.map(\.position), "\(id)")
                for step in timeline {
                    let event = try #require(byPosition[step.position])
                    #expect(step.eventType == event.type && step.occurredAt == event.recordedAt, "\(id) \(step.position)")
                }
                #expect(timeline.first?.status == "placed")
                steps += timeline.count
            }
            #expect(steps > orderIDs.count, "orders went past being placed")
        }
    }

    @Test("0035 turns timeline rows into the steps the projection writes")
    func migratedTimelinesEqualProjectedOnes() async throws {
        try await withTestDatabase { projected, _ in
            let events = try await projectOrders(into: projected)
            let recordedAt = Dictionary(uniqueKeysWithValues: events.map { ($0.position, $0.recordedAt) })
            let orders = try await projected.query("SELECT order_id, row_to_json(h)::text FROM order_history h ORDER BY order_id")
                .decode((String, String).self).collectAll()
            #expect(orders.count == 30)

            try await withTestDatabase(migrated: false) { migrated, _ in
                let migrations = try Migration.load(from: TestEnvironment.migrationsDirectory)
                _ = try await Migrator(client: migrated, logger: logger).migrate(migrations.filter { $0.version < 35 })
                // The orders as 0034 kept them: a timeline row per step, at its event's time.
                for (id, order) in orders {
                    try await migrated.query("INSERT INTO order_history SELECT * FROM json_populate_record(null::order_history, \(order)::json)")
                    for step in try await projected.query(
                        "SELECT (s->>'position')::bigint, s->>'eventType', s->>'status', (s->'detail')::text FROM order_history, json_array_elements(timeline) s WHERE order_id = \(id)"
                    ).decode((Int64, String, String, String).self).collectAll() {
                        let occurredAt = try #require(recordedAt[step.0])
                        try await migrated.query(
                            "INSERT INTO order_timeline (order_id, position, event_type, status, detail, occurred_at) VALUES (\(id), \(step.0), \(step.1), \(step.2), \(step.3)::json, \(occurredAt))"
                        )
                    }
                }
                _ = try await Migrator(client: migrated, logger: logger).migrate(migrations)
                let query: PostgresQuery = "SELECT to_jsonb(h)::text FROM order_history h ORDER BY order_id"
                let want = try await projected.query(query).decode(String.self).collectAll()
                let got = try await migrated.query(query).decode(String.self).collectAll()
                #expect(got.count == want.count)
                let differing = zip(got, want).filter { $0.0 != $0.1 }
                #expect(differing.isEmpty, "\(differing.count) orders differ; the first, migrated then projected: \(differing.first.map { "\($0.0)\n\($0.1)" } ?? "")")
                let tables = try await migrated.query("SELECT count(*)::int FROM pg_tables WHERE tablename = 'order_timeline'").decode(Int.self).collectAll()
                #expect(tables == [0])
            }
        }
    }

    /// Thirty orders that take every path (payment, fulfilment, shipping, cancellation, returns,
    /// refunds), folded by the projector's way a few events per transaction; their events.
    private func projectOrders(into client: PostgresClient) async throws -> [RecordedEvent] {
        let store = PostgresEventStore(client: client, logger: logger)
        var history = SyntheticHistory(seed: 35, start: Date())
        var appends = try history.catalog(products: 4)
        for index in 0..<30 {
            history.advance(to: Date().addingTimeInterval(Double(index - 30) * 7_777.123_457))
            appends += try history.order()
        }
        for append in appends { try await store.append([try append.streamAppend()]) }
        let events = try await readEverything(store, filter: EventFilter(categories: ["order"]))
        for start in stride(from: 0, to: events.count, by: 5) {
            let batch = Array(events[start..<min(events.count, start + 5)])
            _ = try await client.withTransaction(logger: logger) { connection in
                try await ProjectionApplier.apply(batch, to: [OrderHistoryProjection()], on: connection, logger: logger)
            }
        }
        return events
    }
}
