import EventStore
import Foundation
import Kafka
import Logging
import Runtime
import PostgresNIO

/// Where the real services of the integration tests are: `DATABASE_URL` and `KAFKA_BROKERS`
/// from the environment (scripts/test exports them), with loopback defaults.
public enum TestEnvironment {
    public static let databaseURL: DatabaseURL = {
        let value = ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "postgres://commerce@127.0.0.1:5432/commerce"
        do { return try DatabaseURL(value) } catch { fatalError("DATABASE_URL: \(error)") }
    }()

    public static let kafkaBrokers = ProcessInfo.processInfo.environment["KAFKA_BROKERS"] ?? "127.0.0.1:9092"

    /// Consumers in tests join their group faster with a short session timeout (Tansu holds
    /// a first JoinGroup for half of it).
    public static var kafkaConfiguration: KafkaConfiguration {
        KafkaConfiguration(bootstrapServers: kafkaBrokers, properties: ["session.timeout.ms": "3000", "heartbeat.interval.ms": "500"])
    }

    /// The repository's root, found from this file's path.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static let migrationsDirectory = repositoryRoot.appendingPathComponent("schemas/sql")

    /// Text on standard error from `TEST_LOG_LEVEL` (warning by default) up; with
    /// `COMMERCE_TEST_LOG_FILE` also every entry from info up as a JSON line in that file (the
    /// servers' access lines among them), which `scripts/check_logs.py` checks after the suite:
    /// JSON throughout, and no token, password or card number.
    public static let logger: Logger = {
        let consoleLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        guard let path = ProcessInfo.processInfo.environment["COMMERCE_TEST_LOG_FILE"], let file = TestLogFile(path: path) else {
            var logger = Logger(label: "test")
            logger.logLevel = consoleLevel
            return logger
        }
        return Logger(label: "test") { label in
            var console = StreamLogHandler.standardError(label: label)
            console.logLevel = consoleLevel
            var json = JSONLogHandler(label: label, write: file.append)
            json.logLevel = min(consoleLevel, .info)
            return MultiplexLogHandler([console, json])
        }
    }()

    /// A name no other test uses, for databases, topics and groups.
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// Runs `body` against a database of its own, created empty (or migrated with the project's
/// migrations when `migrated`) and dropped afterwards, so tests can run in parallel.
public func withTestDatabase<T: Sendable>(
    migrated: Bool = true,
    maximumConnections: Int = 20,
    _ body: (PostgresClient, DatabaseURL) async throws -> T
) async throws -> T {
    TestTracing.bootstrap()
    let name = TestEnvironment.uniqueName("test")
    let admin = TestEnvironment.databaseURL
    let logger = TestEnvironment.logger
    try await PostgresClient.withClient(admin, maximumConnections: 1, logger: logger) { client in
        try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
    }
    let url = admin.with(database: name)
    do {
        let result = try await PostgresClient.withClient(url, maximumConnections: maximumConnections, logger: logger) { client in
            if migrated {
                _ = try await Migrator(client: client, logger: logger)
                    .migrate(try Migration.load(from: TestEnvironment.migrationsDirectory))
            }
            return try await body(client, url)
        }
        try await dropDatabase(name)
        return result
    } catch {
        try? await dropDatabase(name)
        throw error
    }
}

private func dropDatabase(_ name: String) async throws {
    try await PostgresClient.withClient(TestEnvironment.databaseURL, maximumConnections: 1, logger: TestEnvironment.logger) { client in
        try await client.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
    }
}

extension PostgresConnection {
    /// Runs a statement whose rows do not matter (BEGIN, COMMIT…).
    public func execute(_ query: PostgresQuery) async throws {
        _ = try await self.query(query, logger: TestEnvironment.logger)
    }
}
