import Logging
import PostgresNIO

/// The writes of one flush, a job per table (or group of tables), each preparing its rows and
/// writing them on the connection it is given.
///
/// A live batch runs them one after another inside its transaction. A rebuild's bulk, which
/// writes fresh tables that nothing reads until the swap, runs them side by side
/// (``runSideBySide(client:schema:indexes:width:logger:)``): one job's rows are prepared in Swift on one
/// core while PostgreSQL takes in another's on the other, instead of each waiting for the other.
struct TableWrites: Sendable {
    typealias Write = @Sendable (PostgresConnection) async throws -> Void

    private(set) var jobs: [(tables: [String], write: Write)] = []

    /// Adds a job writing `tables`. Jobs run in the order added when run side by side too, so
    /// the longest go first.
    mutating func add(_ tables: String..., write: @escaping Write) {
        jobs.append((tables, write))
    }

    /// Runs every job in turn on `connection` (inside the caller's transaction).
    func run(on connection: PostgresConnection) async throws {
        for job in jobs { try await job.write(connection) }
    }

    /// Runs the jobs `width` at a time, each on a pooled connection in a transaction of its own
    /// with `schema` first on the `search_path`, which then creates its tables' `indexes` (the
    /// statements by table), and vacuums each job's tables once committed:
    /// fresh tables need statistics and a visibility map before they serve (index-only scans),
    /// and a table vacuumed as soon as it is written is vacuumed while others are still written.
    /// The caller records that the build is complete only after this returns.
    func runSideBySide(client: PostgresClient, schema: String, indexes: [String: [String]], width: Int, logger: Logger) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = jobs.makeIterator()
            func start() {
                guard let job = next.next() else { return }
                group.addTask {
                    try await client.withWatchedTransaction(logger: logger) { connection in
                        try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL search_path = \(schema), public"), logger: logger)
                        try await job.write(connection)
                        for statement in job.tables.flatMap({ indexes[$0] ?? [] }) {
                            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        }
                    }
                    for table in job.tables {
                        try await client.query(PostgresQuery(unsafeSQL: "VACUUM (ANALYZE) \(schema).\(table)"), logger: logger)
                    }
                }
            }
            for _ in 0..<max(1, width) { start() }
            while try await group.next() != nil { start() }
        }
    }
}
