import Aggregates
import Application
import EventStore
import Foundation
import PostgresNIO
import Projections
import Testing
import TestSupport
import Workers

@Suite("Replaying a read model side by side: build up to a position, diff against the live one, swap")
struct ReplayProjectionTests {
    @Test("a side build up to a position equals the projector's tables at that position; the diff lists exactly the rows that differ; the swap catches up")
    func sideBySide() async throws {
        try await withTestDatabase { client, _ in
            let logger = TestEnvironment.logger
            let store = PostgresEventStore(client: client, logger: logger)
            var history = SyntheticHistory(seed: 11, start: Date().addingTimeInterval(-40 * 86_400))
            for append in try history.catalog(products: 4) { try await store.append([try append.streamAppend()]) }
            for index in 0..<30 {
                history.advance(to: Date().addingTimeInterval(Double(index - 30) * 86_400))
                for append in try history.order() { try await store.append([try append.streamAppend()]) }
            }
            let events = try await readEverything(store)
            let cut = events[events.count / 2].position
            let projection = try #require(WorkerSet.projections.first { $0.name == "order-history" })

            // The live read model, the projector's way, over everything; the reference over events up to the cut.
            try await applyInBatches(events, client, logger)
            try await withTestDatabase { reference, _ in
                try await applyInBatches(events.filter { $0.position <= cut }, reference, logger)

                let report = try await ProjectionRebuilder(store: store, logger: logger, batchSize: 13).build(projection, into: "audit_side", upTo: cut)
                #expect(report.position == cut)
                for table in projection.tables {
                    #expect(try await rows(client, "audit_side", table) == rows(reference, "public", table), "\(table) as of position \(cut)")
                }

                let diff = try await ReadModelDiff.compare(projection, schema: "audit_side", samples: 3, client: client, logger: logger)
                for table in diff.tables {
                    // Independently: multiset differences of the two tables' rows, in Swift.
                    let live = try await rows(client, "public", table.table)
                    let side = try await rows(client, "audit_side", table.table)
                    #expect(table.onlyLive == difference(live, side).count, "\(table.table) rows only live")
                    #expect(table.onlyReplay == difference(side, live).count, "\(table.table) rows only in the side build")
                    #expect(table.liveSamples.count == min(3, table.onlyLive))
                }
                #expect(!diff.isEmpty, "the second half of the history changed orders")
            }

            // Promoted, the side build catches up to the present: the projector's tables again.
            let before = try await readModel(client)
            let caughtUp = try await ProjectionRebuilder(store: store, logger: logger).promote(projection, from: "audit_side")
            #expect(caughtUp.events == events.filter { $0.position > cut && projection.categories.contains(String($0.category)) && !projection.ignoredEventTypes.contains($0.type) }.count)
            #expect(try await readModel(client) == before)
            #expect(try await count("SELECT count(*) FROM pg_namespace WHERE nspname = 'audit_side'", client) == 0)
        }
    }

    @Test("schema names are plain identifiers, never a system schema")
    func schemaNames() {
        #expect(ReadModelDiff.isValidSchemaName("audit_2026"))
        for bad in ["", "public", "pg_catalog", "information_schema", "Audit", "a-b", "a;drop", "1abc", String(repeating: "a", count: 64)] {
            #expect(!ReadModelDiff.isValidSchemaName(bad), "\(bad)")
        }
    }

    private func applyInBatches(_ events: [RecordedEvent], _ client: PostgresClient, _ logger: Logger) async throws {
        for start in stride(from: 0, to: events.count, by: 20) {
            let batch = Array(events[start..<min(events.count, start + 20)])
            _ = try await client.withTransaction(logger: logger) { connection in
                try await ProjectionApplier.apply(batch, to: WorkerSet.projections, on: connection, logger: logger)
            }
        }
    }

    private func rows(_ client: PostgresClient, _ schema: String, _ table: String) async throws -> [String] {
        // Every column but `changed` (when the row was last written, not what it holds).
        try await client.query(PostgresQuery(unsafeSQL: "SELECT (to_jsonb(t) - 'changed')::text FROM \(schema).\(table) t ORDER BY 1")).decode(String.self).collectAll()
    }

    /// The rows of `left` not matched one for one in `right`.
    private func difference(_ left: [String], _ right: [String]) -> [String] {
        var remaining = Dictionary(right.map { ($0, 1) }, uniquingKeysWith: +)
        return left.filter { row in
            guard let count = remaining[row], count > 0 else { return true }
            remaining[row] = count - 1
            return false
        }
    }
}
