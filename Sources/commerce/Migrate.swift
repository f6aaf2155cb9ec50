import ArgumentParser
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
            try await connectOrFail(client, settings: settings)
            return try await Migrator(client: client, logger: logger).migrate(migrations)
        }
        print(report.applied.isEmpty
            ? "database is up to date (\(report.alreadyApplied) migrations applied earlier)"
            : "applied \(report.applied.count) migrations: \(report.applied.joined(separator: ", "))")
    }
}

/// Fails start-up with a one-line error naming `DATABASE_URL` when Postgres does not answer in time.
func connectOrFail(_ client: PostgresClient, settings: Settings) async throws {
    do {
        try await client.ping(timeout: settings.startupTimeout)
    } catch is TimeoutError {
        throw ConfigurationError(variable: "DATABASE_URL", reason: "no answer from \(settings.databaseURL) within \(settings.startupTimeout)")
    } catch let error as PSQLError {
        throw ConfigurationError(variable: "DATABASE_URL", reason: "\(settings.databaseURL): \(error.serverInfo?[.message] ?? "\(error.code)")")
    }
}
