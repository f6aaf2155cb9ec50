import EventStore
import Kafka
import PostgresNIO

/// What every process of ours checks before it settles in: the database and the broker answer
/// within `STARTUP_TIMEOUT_SECONDS`, else one line naming the variable to fix.
public enum StartupChecks {
    /// Fails with an error naming `DATABASE_URL` when Postgres does not answer in time.
    public static func connectOrFail(_ client: PostgresClient, settings: Settings) async throws {
        do {
            try await client.ping(timeout: settings.startupTimeout)
        } catch is TimeoutError {
            throw ConfigurationError(variable: "DATABASE_URL", reason: "no answer from \(settings.databaseURL) within \(settings.startupTimeout)")
        } catch let error as PSQLError {
            throw ConfigurationError(variable: "DATABASE_URL", reason: "\(settings.databaseURL): \(error.serverInfo?[.message] ?? "\(error.code)")")
        }
    }

    /// Fails with an error naming `KAFKA_BROKERS` when no broker answers in time.
    public static func reachKafkaOrFail(_ kafka: KafkaProducer, settings: Settings) async throws {
        do {
            _ = try await kafka.metadata(timeout: settings.startupTimeout)
        } catch {
            throw ConfigurationError(variable: "KAFKA_BROKERS", reason: "no broker at \(settings.kafkaBrokers) answered within \(settings.startupTimeout) (\(error))")
        }
    }

    /// 32 random bytes: a per-process secret when none is configured.
    public static func randomSecret() -> [UInt8] {
        var random = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
    }
}
