import Logging
import PostgresNIO
import Synchronization

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
    /// What a side-by-side run drops with its last job's write (``keep(_:)``).
    private var kept: [any Sendable] = []

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

    /// Keeps `rows` (a builder's own, which its writes share) until the jobs are written: a
    /// side-by-side run frees them beside its last vacuum, not on the caller's path.
    mutating func keep(_ rows: any Sendable) {
        kept.append(rows)
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
    ///
    /// The jobs are taken out of `self`: a job's write, and the rows it holds, is dropped once
    /// its tables are written and indexed, while they are vacuumed, and what was kept with the
    /// last job's (freeing a rebuild's rows took 0.3–0.5 s of one core at the end, while
    /// PostgreSQL, waiting for the build's commit, had nothing to do).
    mutating func runSideBySide(client: PostgresClient, schema: String, indexes: [String: [String]], width: Int, logger: Logger) async throws {
        let jobs = self.jobs.map { (tables: $0.tables, parts: $0.parts) }
        let writes = HeldWrites(self.jobs.map(\.write), kept: kept)
        (self.jobs, kept) = ([], [])
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
                guard let (index, part) = next.next(), let write = writes.write(of: index) else { return }
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
                    // A vacuum keeps one core busy (index builds, two at once, both): the job's
                    // rows, all in, are freed on the other meanwhile.
                    async let vacuumed: Void = {
                        for table in tables {
                            try await client.query(PostgresQuery(unsafeSQL: "VACUUM (ANALYZE) \(schema).\(table)"), logger: logger)
                        }
                    }()
                    writes.drop(index)
                    try await vacuumed
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

/// The writes of a side-by-side run, each held until its job is written and then dropped, and
/// with it the rows it captured, on the task that drops it; what was kept goes with the last.
private final class HeldWrites: Sendable {
    private struct Held {
        var writes: [TableWrites.PartWrite?]
        var kept: [any Sendable]
    }

    private let held: Mutex<Held>

    init(_ writes: [TableWrites.PartWrite], kept: [any Sendable]) {
        held = Mutex(Held(writes: writes, kept: kept))
    }

    func write(of job: Int) -> TableWrites.PartWrite? {
        held.withLock { $0.writes[job] }
    }

    func drop(_ job: Int) {
        // What is dropped is released outside the lock, when this function ends.
        let dropped: (TableWrites.PartWrite?, [any Sendable]) = held.withLock { held in
            let write = held.writes[job]
            held.writes[job] = nil
            guard held.writes.allSatisfy({ $0 == nil }) else { return (write, []) }
            defer { held.kept = [] }
            return (write, held.kept)
        }
        _ = dropped
    }
}
