import EventStore
import Logging
import PostgresNIO
import Runtime

/// Runs `body` with an event store over the configured database (checked first, so a wrong
/// `DATABASE_URL` is one clear line).
func withConfiguredStore<T: Sendable>(
    connections: Int, _ body: (PostgresEventStore, Settings, Logger) async throws -> T
) async throws -> T {
    let settings = try Settings()
    let logger = settings.makeLogger()
    return try await PostgresClient.withClient(settings.databaseURL, maximumConnections: connections, logger: logger) { client in
        try await StartupChecks.connectOrFail(client, settings: settings)
        return try await body(PostgresEventStore(client: client, logger: logger), settings, logger)
    }
}
