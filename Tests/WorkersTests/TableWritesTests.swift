import Foundation
import PostgresNIO
import Synchronization
import Testing
import TestSupport

@testable import Projections

/// A rebuild's side-by-side flush: every job's parts written, each table indexed, and the rows
/// the jobs hold (and those kept with them) let go of by the time it returns, none left in the
/// `TableWrites` that ran them.
@Suite struct TableWritesTests {
    /// Set once what it stands for is freed.
    final class Flag: Sendable {
        private let state = Mutex(false)

        var isSet: Bool { state.withLock { $0 } }

        func set() { state.withLock { $0 = true } }
    }

    /// Stands for a builder's rows: sets its flag when freed.
    final class Rows: Sendable {
        let freed: Flag

        init(_ freed: Flag) {
            self.freed = freed
        }

        deinit {
            freed.set()
        }
    }

    /// Whether each of the flush's rows has been freed.
    struct Freed {
        let orders = Flag(), lines = Flag(), kept = Flag()

        var all: [Bool] { [orders, lines, kept].map(\.isSet) }
    }

    @Test("side by side, every part of every job is written and indexed; each job's rows and the rows kept with the writes are freed before the run returns")
    func runsEveryPartAndLetsGoOfTheRows() async throws {
        try await withTestDatabase { client, _ in
            let logger = TestEnvironment.logger
            try await client.query("CREATE SCHEMA side", logger: logger)
            try await client.query("CREATE TABLE side.orders (id bigint NOT NULL, part integer NOT NULL)", logger: logger)
            try await client.query("CREATE TABLE side.lines (order_id bigint NOT NULL, sku text NOT NULL)", logger: logger)
            let indexes = [
                "orders": ["CREATE UNIQUE INDEX orders_pkey ON side.orders (id)", "CREATE INDEX orders_part ON side.orders (part)"],
                "lines": ["CREATE INDEX lines_order ON side.lines (order_id)"],
            ]
            let freed = Freed()
            var writes = try await makeWrites(freed: freed)
            try await writes.runSideBySide(client: client, schema: "side", indexes: indexes, width: 2, logger: logger)

            #expect(writes.jobs.isEmpty, "the run took the jobs out of the writes")
            #expect(freed.all == [true, true, true], "orders, lines and the kept rows freed")
            let orders = try await client.query("SELECT part, count(*)::bigint FROM side.orders GROUP BY part ORDER BY part", logger: logger)
                .decode((Int32, Int64).self).collectAll()
            #expect(orders.map(\.0) == [0, 1, 2] && orders.map(\.1) == [100, 100, 100], "each of the three parts wrote its 100 orders")
            let lines = try await client.query("SELECT count(*)::bigint FROM side.lines", logger: logger).decode(Int64.self).collectAll()
            #expect(lines == [50])
            let built = try await client.query(
                "SELECT indexname::text FROM pg_indexes WHERE schemaname = 'side' ORDER BY indexname", logger: logger
            ).decode(String.self).collectAll()
            #expect(built == ["lines_order", "orders_part", "orders_pkey"])
        }
    }

    /// Writes made as a builder makes them: each job's closure holds its rows, and the builder's
    /// own rows are kept with the writes.
    private func makeWrites(freed: Freed) async throws -> TableWrites {
        let orders = Rows(freed.orders), lines = Rows(freed.lines)
        var writes = TableWrites()
        writes.add("orders", parts: 3) { connection, part in
            withExtendedLifetime(orders) {}
            try await connection.query(
                "INSERT INTO orders (id, part) SELECT n, \(Int32(part)) FROM generate_series(\(part * 100 + 1), \(part * 100 + 100)) n",
                logger: TestEnvironment.logger
            )
        }
        writes.add("lines") { connection in
            withExtendedLifetime(lines) {}
            try await connection.query("INSERT INTO lines SELECT n, 'sku-' || n FROM generate_series(1, 50) n", logger: TestEnvironment.logger)
        }
        writes.keep(Rows(freed.kept))
        return writes
    }
}
