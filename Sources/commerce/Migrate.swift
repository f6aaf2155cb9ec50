import ArgumentParser
import Runtime
import EventStore
import PostgresNIO

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the SQL migrations in schemas/sql that the database does not have yet."
    )

    func run() async throws {
        let settings = try Settings()
        let logger = settings.makeLogger()
        let migrations = try Migration.load(from: settings.migrationsDirectory)
        let report = try await PostgresClient.withClient(settings.databaseURL, maximumConnections: 1, logger: logger) { client in
            try await StartupChecks.connectOrFail(client, settings: settings)
            return try await Migrator(client: client, logger: logger).migrate(migrations)
        }
        print(report.applied.isEmpty
            ? "database is up to date (\(report.alreadyApplied) migrations applied earlier)"
            : "applied \(report.applied.count) migrations: \(report.applied.joined(separator: ", "))")
    }
}
