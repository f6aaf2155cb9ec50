import API
import ArgumentParser
import EventStore
import Hummingbird
import Kafka
import Payments
import PostgresNIO
import ServiceLifecycle
import Workers

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP API server, with the Kafka relay and the projector beside it."
    )

    @Flag(help: "Serve HTTP only: no relay, no projector (run them with `commerce worker`).")
    var noWorkers = false

    func run() async throws {
        let settings = try Settings()
        let logger = settings.makeLogger()
        let postgres = PostgresClient(configuration: settings.databaseURL.clientConfiguration(), backgroundLogger: logger)
        let kafka = try KafkaProducer(configuration: settings.kafkaConfiguration, logger: logger)
        let store = PostgresEventStore(client: postgres, logger: logger)
        let workers = noWorkers ? [] : WorkerSet.services(store: store, kafka: settings.kafkaConfiguration, topicPrefix: settings.kafkaTopicPrefix, relay: true, projector: true, checkout: settings.checkoutConfiguration, logger: logger)

        let tokenSecret = settings.tokenSecret ?? {
            logger.warning("JWT_SECRET is not set: signing tokens with a random key; they stop working when the server restarts")
            return randomSecret()
        }()
        let webhookSecret = settings.webhookSecret ?? {
            logger.warning("WEBHOOK_SECRET is not set: payment webhooks are checked against a random key and will all be refused")
            return randomSecret()
        }()
        let app = buildApplication(
            configuration: APIConfiguration(
                host: settings.host, port: settings.port, tokenSecret: tokenSecret, reservationLifetime: settings.reservationLifetime
            ),
            dependencies: APIDependencies(
                postgres: postgres,
                readinessChecks: [
                    ReadinessCheck(name: "kafka") { _ = try await kafka.metadata(timeout: .seconds(2)) }
                ],
                services: [postgres] + workers,
                startupChecks: [
                    { try await connectOrFail(postgres, settings: settings) },
                    { try await reachKafkaOrFail(kafka, settings: settings) },
                ],
                webhookSignature: WebhookSignature(secret: webhookSecret)
            ),
            logger: logger
        )
        try await app.runService()
        await kafka.close()
    }
}

func randomSecret() -> [UInt8] {
    var random = SystemRandomNumberGenerator()
    return (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
}

/// Fails start-up with a one-line error naming `KAFKA_BROKERS` when no broker answers in time.
func reachKafkaOrFail(_ kafka: KafkaProducer, settings: Settings) async throws {
    do {
        _ = try await kafka.metadata(timeout: settings.startupTimeout)
    } catch {
        throw ConfigurationError(variable: "KAFKA_BROKERS", reason: "no broker at \(settings.kafkaBrokers) answered within \(settings.startupTimeout) (\(error))")
    }
}
