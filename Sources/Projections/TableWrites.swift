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
    /// Writes one part (numbered from 0) of a job's rows.
    typealias PartWrite = @Sendable (PostgresConnection, _ part: Int) async throws -> Void

    private(set) var jobs: [(tables: [String], parts: Int, write: PartWrite)] = []

    /// Adds a job writing `tables`. Jobs run in the order added when run side by side too, so
    /// the longest go first.
    mutating func add(_ tables: String..., write: @escaping Write) {
        jobs.append((tables, 1, { connection, _ in try await write(connection) }))
    }

    /// Adds a job writing `tables` in `parts` parts, each a share of the rows: side by side,
    /// the parts of one big table are copied in on as many connections at once (PostgreSQL
    /// takes a `COPY` in on one core, and the other one would wait).
    mutating func add(_ tables: String..., parts: Int, write: @escaping PartWrite) {
        jobs.append((tables, max(1, parts), write))
    }

    /// How many of one job's indexes are built at once: two keep a two-core machine busy when
    /// one table's indexes are all that is left to do (the reviews' rebuild), without a build's
    /// `maintenance_work_mem` for every index of every table at the same time.
    static let indexBuildsAtOnce = 2

    /// Runs every job in turn on `connection` (inside the caller's transaction).
    func run(on connection: PostgresConnection) async throws {
        for job in jobs {
            for part in 0..<job.parts { try await job.write(connection, part) }
        }
    }

    /// Runs the jobs' parts `width` at a time, each on a pooled connection in a transaction of
    /// its own with `schema` first on the `search_path`. Once every part of a job is in, its
    /// tables get their `indexes` (the statements by table: index builds, a few at once, then
    /// the rest in order) in more such transactions, and are vacuumed: fresh tables need
    /// statistics and a visibility map before they serve (index-only scans), and a table
    /// vacuumed as soon as it is written is vacuumed while others are still written. The caller records that the build is complete only after this returns.
    func runSideBySide(client: PostgresClient, schema: String, indexes: [String: [String]], width: Int, logger: Logger) async throws {
        var partsLeft = jobs.map(\.parts)
        let units = jobs.indices.flatMap { job in (0..<jobs[job].parts).map { (job, $0) } }
        // A part's task answers its job's index; a job's finishing task (indexes, vacuum) nil.
        try await withThrowingTaskGroup(of: Int?.self) { group in
            var next = units.makeIterator()
            func inSchema(_ body: @escaping @Sendable (PostgresConnection) async throws -> Void) async throws {
                try await client.withWatchedTransaction(logger: logger) { connection in
                    try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL search_path = \(schema), public"), logger: logger)
                    try await body(connection)
                }
            }
            func start() {
                guard let (index, part) = next.next() else { return }
                let write = jobs[index].write
                group.addTask {
                    try await inSchema { try await write($0, part) }
                    return index
                }
            }
            func finish(_ index: Int) {
                let tables = jobs[index].tables
                let statements = tables.flatMap { indexes[$0] ?? [] }
                // The index builds first, `indexBuildsAtOnce` at a time, each in a transaction of
                // its own (PostgreSQL builds one on one core); then what takes them over or
                // needs them all (constraints), in order.
                let builds = statements.filter { $0.hasPrefix("CREATE ") }
                let afterwards = statements.filter { !$0.hasPrefix("CREATE ") }
                group.addTask {
                    try await withThrowingTaskGroup(of: Void.self) { indexGroup in
                        var next = builds.makeIterator()
                        func startBuild() {
                            guard let statement = next.next() else { return }
                            indexGroup.addTask { try await inSchema { try await $0.query(PostgresQuery(unsafeSQL: statement), logger: logger) } }
                        }
                        for _ in 0..<Self.indexBuildsAtOnce { startBuild() }
                        while try await indexGroup.next() != nil { startBuild() }
                    }
                    if !afterwards.isEmpty {
                        try await inSchema { connection in
                            for statement in afterwards { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                        }
                    }
                    for table in tables {
                        try await client.query(PostgresQuery(unsafeSQL: "VACUUM (ANALYZE) \(schema).\(table)"), logger: logger)
                    }
                    return nil
                }
            }
            for _ in 0..<max(1, width) { start() }
            while let done = try await group.next() {
                if let index = done {
                    partsLeft[index] -= 1
                    if partsLeft[index] == 0 {
                        finish(index)
                        continue
                    }
                }
                start()
            }
        }
    }
}
