import Application
import EventStore
import Kafka
import Logging
import Mail
import Notifications
import PostgresNIO
import ServiceLifecycle

/// The notifier: a consumer group of its own (`commerce-notifier`) over every topic, deciding
/// per event what to send (``NotificationBatch``), and the senders that deliver it — webhooks
/// always, the mail outbox when given a mailer (a `serve` process sends the outbox itself).
public enum Notifier {
    public struct Configuration: Sendable {
        public var planner: NotificationPlanner.Settings
        /// When set, this notifier also sends the mail outbox.
        public var mailer: (any Mailer)?
        public var webhooks = WebhookSender.Configuration()
        public var groupID = "commerce-notifier"
        /// The longest a fetch waits at the broker for new events (librdkafka's `fetch.wait.max.ms`,
        /// unless the Kafka configuration's properties set it).
        public var fetchWaitMilliseconds = 100

        public init(planner: NotificationPlanner.Settings, mailer: (any Mailer)? = nil) {
            self.planner = planner
            self.mailer = mailer
        }
    }

    public static func services(
        store: PostgresEventStore, kafka: KafkaConfiguration, topicPrefix: String, configuration: Configuration, logger: Logger
    ) -> [any Service] {
        var consumer = Projector.Configuration()
        consumer.groupID = configuration.groupID
        consumer.name = "notifier"
        consumer.topicPrefix = topicPrefix
        let planner = NotificationPlanner(
            repository: AggregateRepository(store: store), vault: PersonalDataVault(client: store.client, logger: logger),
            settings: configuration.planner, logger: logger
        )
        // Mails and webhooks can wait a tenth of a second; the read models' 10 ms fetch wait
        // would cost a broker that answers only when the wait is over (Tansu) a sweep of every
        // partition of every topic 100 times a second, busy or idle.
        var consumerKafka = kafka
        consumerKafka.properties["fetch.wait.max.ms"] = kafka.properties["fetch.wait.max.ms"] ?? "\(configuration.fetchWaitMilliseconds)"
        var services: [any Service] = [
            Projector(client: store.client, handler: NotificationBatch(planner: planner, logger: logger), configuration: consumer, logger: logger) { [consumerKafka] group in
                try KafkaConsumer(configuration: consumerKafka, groupID: group, logger: logger)
            },
            WebhookSender(client: store.client, configuration: configuration.webhooks, logger: logger),
        ]
        if let mailer = configuration.mailer {
            services.append(MailOutboxSender(client: store.client, mailer: mailer, logger: logger))
        }
        return services
    }
}
