import API
import Application
import ArgumentParser
import Runtime
import EventStore
import Hummingbird
import Mail
import Kafka
import Payments
import PostgresNIO
import ServiceLifecycle
import Workers

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP API server, with the Kafka relay, the projector, the process managers and the notifier beside it."
    )

    @Flag(help: "Serve HTTP only: no relay, projector, process managers or notifier (run them with `commerce worker`).")
    var noWorkers = false

    func run() async throws {
        // First: metrics made from here on report to it.
        let registry = CommerceMetrics.registry
        let settings = try Settings()
        let logger = settings.makeLogger()
        CommerceTracing.bootstrap(logger: logger)
        let postgres = PostgresClient(configuration: settings.databaseURL.clientConfiguration(keepingAllOpen: true), backgroundLogger: logger)
        let kafka = try KafkaProducer(configuration: settings.kafkaConfiguration, logger: logger)
        let store = PostgresEventStore(client: postgres, logger: logger)
        let gateway = try settings.gateway()
        if settings.paymentGateway == "sandbox" {
            logger.notice("PAYMENT_GATEWAY=sandbox: test cards are approved and no money moves")
        }
        let tokenSecret = settings.tokenSecret ?? {
            logger.warning("JWT_SECRET is not set: signing tokens with a random key; they stop working when the server restarts")
            return StartupChecks.randomSecret()
        }()
        let workers = noWorkers ? [] : WorkerSet.services(
            store: store, database: settings.databaseURL, kafka: settings.kafkaConfiguration, topicPrefix: settings.kafkaTopicPrefix, partitions: settings.kafkaPartitions, relay: true, projector: true,
            processes: try settings.processConfiguration(), safetyNet: settings.safetyNetConfiguration,
            notifier: settings.notifierConfiguration(tokenSecret: tokenSecret, sendsMail: false), logger: logger
        )
        let webhookSecret = settings.webhookSecret ?? {
            logger.warning("WEBHOOK_SECRET is not set: payment webhooks are checked against a random key and will all be refused")
            return StartupChecks.randomSecret()
        }()
        let availability = DatabaseAvailability(url: settings.databaseURL, logger: logger)
        let drain = ShutdownDrain(period: settings.shutdownDrain, logger: logger)
        var configuration = APIConfiguration(
            host: settings.host, port: settings.port, tokenSecret: tokenSecret, reservationLifetime: settings.reservationLifetime,
            accountMail: AccountMailSettings(from: settings.mailFrom, storefrontURL: settings.storefrontURL, requireVerifiedEmail: settings.requireVerifiedEmail),
            webhookAllowPrivateAddresses: settings.webhookAllowPrivateAddresses,
            corsAllowedOrigins: settings.corsAllowedOrigins, hstsMaxAge: settings.hstsMaxAge, reviewPolicy: settings.reviewPolicy,
            trustedProxies: settings.trustedProxies, rateLimits: settings.rateLimits, metricsOnAPIPort: settings.metricsPort == nil
        )
        configuration.imageStorage = DirectoryImageStorage(directory: settings.imageDirectory)
        configuration.defaultLocale = settings.defaultLocale
        let app = buildApplication(
            configuration: configuration,
            dependencies: APIDependencies(
                postgres: postgres,
                readinessChecks: [
                    ReadinessCheck(name: "kafka") { _ = try await kafka.metadata(timeout: .seconds(2)) }
                ],
                services: [postgres, availability] + workers + settings.metricsServer(registry: registry, postgres: postgres, logger: logger),
                startupChecks: [
                    { try await StartupChecks.connectOrFail(postgres, settings: settings) },
                    { try await StartupChecks.reachKafkaOrFail(kafka, settings: settings) },
                ],
                paymentGateway: gateway,
                webhookSignature: WebhookSignature(secret: webhookSecret),
                databaseAvailability: availability,
                mailer: settings.smtp.map(SMTPClient.init(settings:)),
                shutdownDrain: drain,
                metrics: registry,
                relayCheckpoint: EventRelay.Configuration().checkpointName
            ),
            logger: logger
        )
        // The drain runs after the application, so a shutdown signal reaches it first: readiness
        // turns 503 and the server goes on answering for the drain period before it closes.
        try await ServiceGroup(
            configuration: .init(services: [app, drain], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        ).run()
        await kafka.close()
    }
}
