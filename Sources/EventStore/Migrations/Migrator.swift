import Logging
import PostgresNIO

/// Applies SQL migrations in order, each in its own transaction, and records them with their
/// checksum in `schema_migrations`.
///
/// Running it again applies nothing. It refuses to run when a file that was applied has
/// changed or disappeared, or when a new file is numbered below one already applied: the
/// database would no longer match the files. Concurrent migrators are serialised by an advisory
/// lock, so two processes starting at once do not race.
public struct Migrator: Sendable {
    /// What a run did.
    public struct Report: Sendable, Equatable {
        public var applied: [String] = []
        public var alreadyApplied: Int = 0
    }

    /// Arbitrary but fixed: the advisory lock key that serialises migrators.
    static let lockKey: Int64 = 0x636F_6D6D_6572_6365

    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Applies the migrations not applied yet.
    /// - Throws: ``MigrationError`` (checksum mismatch, missing file, out of order, a failing statement).
    public func migrate(_ migrations: [Migration]) async throws -> Report {
        try await client.withWatchedConnection { connection in
            try await connection.run("SELECT pg_advisory_lock(\(Self.lockKey))", logger: logger)
            do {
                let report = try await migrate(migrations, on: connection)
                try await connection.run("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
                return report
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
                throw error
            }
        }
    }

    private func migrate(_ migrations: [Migration], on connection: PostgresConnection) async throws -> Report {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                checksum   text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            logger: logger
        )
        var applied: [Int: (name: String, checksum: String)] = [:]
        for try await (version, name, checksum) in try await connection.query(
            "SELECT version, name, checksum FROM schema_migrations", logger: logger
        ).decode((Int, String, String).self) {
            applied[version] = (name, checksum)
        }

        let byVersion = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for (version, record) in applied.sorted(by: { $0.key < $1.key }) {
            let fileName = Migration(version: version, name: record.name, sql: "").fileName
            guard let file = byVersion[version] else {
                throw MigrationError(.missingFile, "applied migration \(fileName) is missing from the migrations directory")
            }
            guard file.checksum == record.checksum else {
                throw MigrationError(
                    .checksumMismatch,
                    "migration \(file.fileName) was changed after it was applied (checksum \(file.checksum.prefix(12))… ≠ applied \(record.checksum.prefix(12))…); add a new migration instead"
                )
            }
        }

        var report = Report(alreadyApplied: applied.count)
        let newestApplied = applied.keys.max() ?? 0
        for migration in migrations.sorted(by: { $0.version < $1.version }) where applied[migration.version] == nil {
            guard migration.version > newestApplied else {
                throw MigrationError(.outOfOrder, "migration \(migration.fileName) is numbered below one already applied (\(newestApplied))")
            }
            do {
                try await connection.withTransaction(logger: logger) { connection in
                    for statement in SQLStatementSplitter.statements(in: migration.sql) {
                        try await connection.run(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES (\(migration.version), \(migration.name), \(migration.checksum))",
                        logger: logger
                    )
                }
            } catch {
                let psql = (error as? PSQLError) ?? ((error as? PostgresTransactionError)?.closureError as? PSQLError)
                let reason = psql.map { $0.serverInfo?[.message] ?? "\($0.code)" } ?? "\(error)"
                throw MigrationError(.failed, "migration \(migration.fileName) failed: \(reason)")
            }
            logger.info("applied migration", metadata: ["migration": "\(migration.fileName)"])
            report.applied.append(migration.fileName)
        }
        return report
    }
}
