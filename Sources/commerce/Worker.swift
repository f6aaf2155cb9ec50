import ArgumentParser
import Runtime
import EventStore
import Foundation
import Kafka
import Logging
import PostgresNIO
import ServiceLifecycle
import Workers

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run workers without the HTTP server: the relay (event store to Kafka), the projector (Kafka to read models), the process managers, the notifier (mails and webhooks)."
    )

    @Flag(help: "Run the relay.")
    var relay = false

    @Flag(help: "Run the projector (start several: they share the partitions).")
    var projector = false

    @Flag(help: "Run the process managers: payment authorization and operations, cancellation, fulfilment, returns, expiry, cart abandonment.")
    var processes = false

    @Flag(help: "Run the notifier: decides from events which mails and webhooks go out, and sends them (mails need SMTP_URL; unsubscribe links need the API's JWT_SECRET).")
    var notifier = false

    @Option(name: .customLong("exit-with-parent"), help: ArgumentHelp(
        "Exit when the process that started this worker, whose pid this is, exits (for test runs and supervisors that must not leave workers behind).",
        valueName: "pid"
    ))
    var parent: Int32?

    func run() async throws {
        guard relay || projector || processes || notifier else { throw ValidationError("name at least one of --relay, --projector, --processes and --notifier") }
        // First: metrics made from here on report to it.
        let registry = CommerceMetrics.registry
        let settings = try Settings()
        let logger = settings.makeLogger()
        CommerceTracing.bootstrap(logger: logger)
        let postgres = PostgresClient(configuration: settings.databaseURL.clientConfiguration(keepingAllOpen: true), backgroundLogger: logger)
        let store = PostgresEventStore(client: postgres, logger: logger)
        // The only HTTP a worker serves: its own metrics, when given a port.
        let metricsServer = settings.metricsServer(registry: registry, postgres: postgres, logger: logger)
        var notifierConfiguration: Notifier.Configuration?
        if notifier {
            guard let secret = settings.tokenSecret else {
                throw ValidationError("the notifier signs unsubscribe links with the API's JWT_SECRET: set it")
            }
            notifierConfiguration = settings.notifierConfiguration(tokenSecret: secret, sendsMail: true)
        }
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: postgres)] + WorkerSet.services(store: store, database: settings.databaseURL, kafka: settings.kafkaConfiguration, topicPrefix: settings.kafkaTopicPrefix, partitions: settings.kafkaPartitions, relay: relay, projector: projector, processes: processes ? try settings.processConfiguration() : nil, safetyNet: settings.safetyNetConfiguration, notifier: notifierConfiguration, logger: logger).map { .init(service: $0) }
                + metricsServer.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            if let parent {
                tasks.addTask { await ParentWatch.exitWhenOrphaned(of: parent, logger: logger) }
            }
            do {
                // On a client of its own: the workers' pool starts with the service group, and a
                // lease before that logs a warning that its run() has not been called.
                try await PostgresClient.withClient(settings.databaseURL, maximumConnections: 1, logger: logger) {
                    try await StartupChecks.connectOrFail($0, settings: settings)
                }
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            // The workers' end (a signal or a failure) ends the watch too.
            _ = try await tasks.next()
            tasks.cancelAll()
            try await tasks.waitForAll()
        }
    }
}
