import EventStore
import PostgresNIO
import Testing
import TestSupport

@Suite("Statements run for their effect")
struct StatementRunTests {
    @Test("an error the server raises after a statement's rows began (data-modifying WITH) is thrown, and nothing is committed")
    func errorAfterRowsIsThrown() async throws {
        try await withTestDatabase { client, _ in
            try await client.query("CREATE TABLE run_probe (id int PRIMARY KEY, label text NOT NULL)", logger: TestEnvironment.logger)
            // The row description and the row `1` come before the INSERT of the WITH query runs
            // and fails on its NULL.
            let statement: PostgresQuery = "WITH w1 AS (INSERT INTO run_probe VALUES (1, NULL)) SELECT 1"
            let failure = await #expect(throws: PostgresTransactionError.self) {
                try await client.withWatchedTransaction(logger: TestEnvironment.logger) { connection in
                    try await connection.run("INSERT INTO run_probe VALUES (2, 'before')", logger: TestEnvironment.logger)
                    try await connection.run(statement, logger: TestEnvironment.logger)
                }
            }
            #expect((failure?.closureError as? PSQLError)?.serverInfo?[.sqlState] == "23502", "not_null_violation")
            #expect(try await client.query("SELECT count(*)::int FROM run_probe", logger: TestEnvironment.logger).decode(Int.self).collectAll() == [0])
            // The rows of a statement that succeeds are read and dropped.
            try await client.withWatchedTransaction(logger: TestEnvironment.logger) { connection in
                try await connection.run("WITH w1 AS (INSERT INTO run_probe VALUES (3, 'kept')) SELECT 1", logger: TestEnvironment.logger)
            }
            #expect(try await client.query("SELECT id FROM run_probe", logger: TestEnvironment.logger).decode(Int.self).collectAll() == [3])
        }
    }
}
