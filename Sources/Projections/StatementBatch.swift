import Logging
import PostgresNIO
import Synchronization

/// Table writes put off to go to the server together, as one statement of data-modifying
/// `WITH` queries: one round trip where a live batch took one per table.
///
/// While ``current`` is set, ``BulkInsert`` adds its statements here instead of running them;
/// whoever set it runs them (``run(on:logger:)``) before anything reads those tables. The
/// parts of one statement all see the database as it was before it, and their order is not
/// defined, so only writes that neither read what another writes nor write a row another writes
/// may share one — as the tables of read models that write independently do
/// (``ReadModelBuilder/writesIndependentTables``).
final class StatementBatch: Sendable {
    @TaskLocal static var current: StatementBatch?

    /// A statement's parameters are counted in 16 bits: past this many, what is gathered goes
    /// to the server before more is added.
    let parameterLimit: Int

    private struct Pending {
        var statements: [String] = []
        var binds = PostgresBindings()
    }

    private let pending = Mutex(Pending())

    init(parameterLimit: Int = 30_000) {
        self.parameterLimit = parameterLimit
    }

    /// Adds a statement whose `$n` parameters are numbered from `firstParameter` on, its
    /// values appended to `binds` by `make`, which returns its SQL. Runs what is gathered first
    /// if the parameters would pass ``parameterLimit``.
    func add(parameters: Int, on connection: PostgresConnection, logger: Logger,
             _ make: (_ firstParameter: Int, _ binds: inout PostgresBindings) -> String) async throws {
        if pending.withLock({ $0.binds.count + parameters > parameterLimit }) {
            try await run(on: connection, logger: logger)
        }
        pending.withLock { pending in
            let sql = make(pending.binds.count + 1, &pending.binds)
            pending.statements.append(sql)
        }
    }

    /// Sends what is gathered, as one statement, and forgets it.
    func run(on connection: PostgresConnection, logger: Logger) async throws {
        let taken = pending.withLock { pending in
            defer { pending = Pending() }
            return pending
        }
        guard let sql = Self.combining(taken.statements) else { return }
        try await connection.run(PostgresQuery(unsafeSQL: sql, binds: taken.binds), logger: logger)
    }

    /// The statements as one: a single one as it is, several as the `WITH` queries of a
    /// statement that selects a constant (PostgreSQL runs each data-modifying one exactly once,
    /// read or not). Nil for none.
    static func combining(_ statements: [String]) -> String? {
        guard statements.count > 1 else { return statements.first }
        let parts = statements.enumerated().map { "w\($0.offset + 1) AS (\($0.element))" }
        return "WITH " + parts.joined(separator: ", ") + " SELECT 1"
    }
}
