import EventStore
import Kafka
import Logging
import PostgresNIO
import Projections
import ServiceLifecycle

/// Builds read models from Kafka: a member of a consumer group over the projections' topics.
///
/// Offsets live in Postgres (`projection_offsets`), written in the same transaction as the
/// read-model changes of those messages; an assigned partition starts where that table says,
/// so a crash neither loses a message nor applies one twice. Several projectors in one group
/// share the partitions: the offset rows are locked while a batch is applied, and a message
/// below the stored offset (applied by another member during a rebalance) is skipped. Copies of
/// an event at a new offset (a relay republishing) are skipped by stream version (``ProjectionApplier``).
public struct Projector: Service {
    public struct Configuration: Sendable {
        public var groupID = "commerce-projector"
        /// Topics are `<topicPrefix>.<category>`.
        public var topicPrefix = CloudEventMessage.defaultTopicPrefix
        public var batchSize = 500
        public var pollTimeout = Duration.milliseconds(100)

        public init() {}
    }

    let client: PostgresClient
    let projections: [any Projection]
    let configuration: Configuration
    let makeConsumer: @Sendable (String) throws -> KafkaConsumer
    let logger: Logger

    /// - Parameter makeConsumer: builds a consumer for the given group id.
    public init(
        client: PostgresClient, projections: [any Projection], configuration: Configuration = .init(), logger: Logger,
        makeConsumer: @escaping @Sendable (String) throws -> KafkaConsumer
    ) {
        self.client = client
        self.projections = projections
        self.configuration = configuration
        self.makeConsumer = makeConsumer
        self.logger = logger
    }

    public var topics: [String] {
        Set(projections.flatMap(\.categories)).sorted().map { CloudEventMessage.topic(forCategory: $0, prefix: configuration.topicPrefix) }
    }

    public func run() async throws {
        let consumer = try makeConsumer(configuration.groupID)
        try await consumer.subscribe(topics: topics)
        logger.info("projector starting", metadata: ["group": "\(configuration.groupID)", "topics": "\(topics)"])
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    let batch = try await consumer.poll(maxMessages: configuration.batchSize, timeout: configuration.pollTimeout)
                    // A batch is applied, and an assignment made, before anything else happens:
                    // while the database is unavailable the projector waits and retries.
                    if !batch.messages.isEmpty { try await retrying("apply a batch") { try await apply(batch.messages) } }
                    for case .assigned(let partitions) in batch.rebalances {
                        try await retrying("assign partitions") { try await consumer.assign(try await storedOffsets(partitions)) }
                        logger.info("projector assigned partitions", metadata: ["partitions": "\(partitions.map { "\($0.topic)/\($0.partition)" })"])
                    }
                }
            }
        } catch is CancellationError {}
        await consumer.close()
        logger.info("projector stopped")
    }

    private func retrying(_ what: String, _ operation: () async throws -> Void) async throws {
        var backoff = Duration.milliseconds(100)
        while true {
            do {
                return try await operation()
            } catch {
                try Task.checkCancellation()
                logger.warning("projector could not \(what); retrying", metadata: ["error": "\(String(reflecting: error))", "backoff": "\(backoff)"])
                try await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
    }

    private func storedOffsets(_ partitions: [KafkaTopicPartition]) async throws -> [KafkaTopicPartitionOffset] {
        let stored = try await ProjectionOffsets.stored(group: configuration.groupID, topics: Array(Set(partitions.map(\.topic))), client: client, logger: logger)
        return partitions.map {
            KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: stored["\($0.topic)/\($0.partition)"] ?? KafkaTopicPartitionOffset.beginning)
        }
    }

    /// Applies one polled batch and advances its partitions' offsets, in one transaction.
    func apply(_ messages: [KafkaMessage]) async throws {
        let byPartition = Dictionary(grouping: messages) { KafkaTopicPartition(topic: $0.topic, partition: $0.partition) }
        try await client.withTransaction(logger: logger) { connection in
            try await ProjectionLock.acquire(on: connection, logger: logger)
            for (partition, messages) in byPartition.sorted(by: { ($0.key.topic, $0.key.partition) < ($1.key.topic, $1.key.partition) }) {
                let next = try await ProjectionOffsets.lock(group: configuration.groupID, topic: partition.topic, partition: partition.partition,
                                                            on: connection, logger: logger)
                let fresh = messages.filter { $0.offset >= next }
                guard let last = fresh.last else { continue }
                let events = fresh.compactMap { message -> RecordedEvent? in
                    let event = CloudEventMessage.event(from: message)
                    if event == nil { logger.warning("projector skipped a message that is no CloudEvent of ours", metadata: ["topic": "\(message.topic)", "offset": "\(message.offset)"]) }
                    return event
                }
                try await ProjectionApplier.apply(events, to: projections, on: connection, logger: logger)
                try await ProjectionOffsets.advance(group: configuration.groupID, topic: partition.topic, partition: partition.partition,
                                                    to: last.offset + 1, on: connection, logger: logger)
            }
        }
    }
}
