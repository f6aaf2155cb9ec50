import EventStore
import Kafka
import Logging
import Payments
import PostgresNIO
import Projections
import ServiceLifecycle

/// The long-running workers of one process, built from one configuration: what `commerce serve`
/// and `commerce worker` run beside their Postgres client. The relay and the process managers
/// are elected (``SingleActiveService``): however many processes run them, one is active; the
/// projectors share the partitions of their consumer group; notifiers share theirs too.
public enum WorkerSet {
    public static let projections: [any Projection] = ReadModels.all

    public static func services(
        store: PostgresEventStore, database: DatabaseURL, kafka: KafkaConfiguration, topicPrefix: String = CloudEventMessage.defaultTopicPrefix,
        partitions: Int = EventRelay.Configuration().partitions, relay: Bool, projector: Bool, processes: LifecycleWorkers.Configuration? = nil,
        safetyNet: ReadModelSafetyNet.Configuration = .init(), notifier: Notifier.Configuration? = nil, logger: Logger
    ) -> [any Service] {
        var services: [any Service] = [StoreNotifications(store: store)]
        if relay {
            var configuration = EventRelay.Configuration()
            configuration.topicPrefix = topicPrefix
            configuration.partitions = partitions
            // One relay publishes at a time, whatever the number of processes running one.
            let relay = EventRelay(store: store, configuration: configuration, logger: logger) {
                try KafkaProducer(configuration: kafka, logger: logger)
            }
            services.append(SingleActiveService(name: "relay", service: relay, database: database, logger: logger))
        }
        if projector {
            var configuration = Projector.Configuration()
            configuration.topicPrefix = topicPrefix
            services.append(Projector(client: store.client, projections: projections, configuration: configuration, logger: logger) { group in
                try KafkaConsumer(configuration: kafka, groupID: group, logger: logger)
            })
            services.append(ReadModelSafetyNet(store: store, projections: projections, configuration: safetyNet, logger: logger))
        }
        if let processes {
            // The process managers run in one process at a time (each event's checkpoint fence
            // keeps them exact even when two do act, during a takeover).
            services.append(SingleActiveService(
                name: "process-managers", service: ServiceBundle(LifecycleWorkers.services(store: store, configuration: processes, logger: logger)),
                database: database, logger: logger
            ))
        }
        if let notifier {
            services += Notifier.services(store: store, kafka: kafka, topicPrefix: topicPrefix, configuration: notifier, logger: logger)
        }
        return services
    }
}
