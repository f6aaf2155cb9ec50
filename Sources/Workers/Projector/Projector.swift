import EventStore
import Tracing
import Kafka
import Logging
import PostgresNIO
import Projections
import ServiceLifecycle

/// Builds tables from Kafka: a member of a consumer group over its handler's topics. The read
/// models' projector is one (``ProjectionBatch``); the notifier, which turns events into mails
/// and webhook deliveries, is another (``NotificationBatch``).
///
/// Offsets live in Postgres (`projection_offsets`), written in the same transaction as the
/// read-model changes of those messages; an assigned partition starts where that table says,
/// so a crash neither loses a message nor applies one twice. A batch may go through several
/// handlers (``stages``), each in a transaction of its own, in order: the read models shoppers
/// read right after acting commit before the reports' folds run. The offsets advance with the
/// last stage; a crash between stages leaves them where they were, and the earlier stages skip
/// the batch's messages by stream version when they come again. Several projectors in one group
/// share the partitions: the offset rows are locked while a batch is applied. Every message is
/// offered to the read models, which skip what they have by stream version
/// (``ProjectionApplier``): copies applied by another member during a rebalance, an event
/// republished at a new offset, a partition read again from its start — which is what the
/// consumer does when its offset is out of range (past the end of a recreated topic), and what
/// the projector does when the relay reports a topic lost (``RelayTopicLosses``: a newer
/// generation than the one its offsets were stored in).
public struct Projector: Service {
    public struct Configuration: Sendable {
        public var groupID = "commerce-projector"
        /// What the logs call it.
        public var name = "projector"
        /// Topics are `<topicPrefix>.<category>`.
        public var topicPrefix = CloudEventMessage.defaultTopicPrefix
        /// The most messages one transaction applies. A live stream at a steady rate fills
        /// batches of a few dozen; a backlog fills them up, and each batch's fixed statements are
        /// then paid once per 2,000 events: at 4,000–5,000 events/s, more than the projector kept
        /// up with in batches of 500, lag p50 went from 2.1–2.4 s to 0.5–0.7 s.
        public var batchSize = 2000
        public var pollTimeout = Duration.milliseconds(100)
        /// How often it looks for topics the relay found lost, to start their partitions over.
        public var topicLossCheckInterval = Duration.seconds(1)
        /// Told of each stage of a batch applied: the read models it built, the batch's events'
        /// positions, when the poll returned it and when the stage's transaction committed. How
        /// `commerce-bench projection` splits the lag into stages; nil otherwise.
        public var applied: (@Sendable (_ readModels: [String], _ positions: [Int64], _ polled: ContinuousClock.Instant, _ committed: ContinuousClock.Instant) -> Void)?

        public init() {}
    }

    let client: PostgresClient
    /// What each batch goes through, in order, each in a transaction of its own; the last one's
    /// also advances the offsets.
    let stages: [any ConsumedBatchHandler]
    let configuration: Configuration
    let makeConsumer: @Sendable (String) throws -> KafkaConsumer
    let logger: Logger

    /// The read models' projector: the shoppers' read models (``ReadModels/appliedFirst``) in a
    /// first stage, the others in a second.
    /// - Parameter makeConsumer: builds a consumer for the given group id.
    public init(
        client: PostgresClient, projections: [any Projection], configuration: Configuration = .init(), logger: Logger,
        makeConsumer: @escaping @Sendable (String) throws -> KafkaConsumer
    ) {
        let first = projections.filter { ReadModels.appliedFirst.contains($0.name) }
        let then = projections.filter { !ReadModels.appliedFirst.contains($0.name) }
        let stages = [first, then].filter { !$0.isEmpty }.map { ProjectionBatch(projections: $0, logger: logger) }
        self.init(client: client, stages: stages, configuration: configuration, logger: logger, makeConsumer: makeConsumer)
    }

    public init(
        client: PostgresClient, handler: any ConsumedBatchHandler, configuration: Configuration, logger: Logger,
        makeConsumer: @escaping @Sendable (String) throws -> KafkaConsumer
    ) {
        self.init(client: client, stages: [handler], configuration: configuration, logger: logger, makeConsumer: makeConsumer)
    }

    private init(
        client: PostgresClient, stages: [any ConsumedBatchHandler], configuration: Configuration, logger: Logger,
        makeConsumer: @escaping @Sendable (String) throws -> KafkaConsumer
    ) {
        self.client = client
        self.stages = stages
        self.configuration = configuration
        self.makeConsumer = makeConsumer
        self.logger = logger
    }

    public var topics: [String] {
        Set(stages.flatMap(\.categories)).sorted().map { CloudEventMessage.topic(forCategory: $0, prefix: configuration.topicPrefix) }
    }

    public func run() async throws {
        let consumer = try makeConsumer(configuration.groupID)
        try await consumer.subscribe(topics: topics)
        logger.info("\(configuration.name) starting", metadata: ["group": "\(configuration.groupID)", "topics": "\(topics)"])
        do {
            try await cancelWhenGracefulShutdown {
                var assigned: [KafkaTopicPartition] = []
                var lastLossCheck = ContinuousClock.now
                while !Task.isCancelled {
                    let batch = try await consumer.poll(maxMessages: configuration.batchSize, timeout: configuration.pollTimeout)
                    // A batch is applied, and an assignment made, before anything else happens:
                    // while the database is unavailable the projector waits and retries.
                    if !batch.messages.isEmpty {
                        let polled = ContinuousClock.now
                        let read = read(batch.messages)
                        // A stage that fails is tried again on its own: the stages before it are committed.
                        for stage in stages.indices {
                            try await retrying("apply a batch") { try await apply(read, stage: stage) }
                            configuration.applied?(stages[stage].readModels, read.events.map(\.position), polled, .now)
                        }
                    }
                    for rebalance in batch.rebalances {
                        switch rebalance {
                        case .assigned(let partitions):
                            try await retrying("assign partitions") {
                                _ = try await startOverLostTopics(partitions)
                                try await consumer.assign(try await storedOffsets(partitions))
                            }
                            assigned = partitions
                            logger.info("\(configuration.name) assigned partitions", metadata: ["partitions": "\(partitions.map { "\($0.topic)/\($0.partition)" })"])
                        case .revoked:
                            assigned = []
                        }
                    }
                    if !assigned.isEmpty, ContinuousClock.now - lastLossCheck >= configuration.topicLossCheckInterval {
                        lastLossCheck = .now
                        let current = assigned
                        do {
                            if try await startOverLostTopics(current) {
                                try await retrying("assign partitions") { try await consumer.assign(try await storedOffsets(current)) }
                            }
                        } catch let error where !(error is CancellationError) {
                            logger.debug("\(configuration.name) could not look for lost topics; looking again later", metadata: ["error": "\(String(reflecting: error))"])
                        }
                    }
                }
            }
        } catch is CancellationError {}
        await consumer.close()
        logger.info("\(configuration.name) stopped")
    }

    private func retrying(_ what: String, _ operation: () async throws -> Void) async throws {
        var backoff = Duration.milliseconds(100)
        while true {
            do {
                return try await operation()
            } catch {
                try Task.checkCancellation()
                logger.warning("\(configuration.name) could not \(what); retrying", metadata: ["error": "\(String(reflecting: error))", "backoff": "\(backoff)"])
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

    /// Starts over each of `partitions` whose offset was stored before the relay last found its
    /// topic lost (``RelayTopicLosses``).
    /// - Returns: whether any was started over.
    private func startOverLostTopics(_ partitions: [KafkaTopicPartition]) async throws -> Bool {
        let generations = try await RelayTopicLosses.generations(client: client, logger: logger)
        guard !generations.isEmpty else { return false }
        let stored = try await ProjectionOffsets.generations(group: configuration.groupID, topics: Array(Set(partitions.map(\.topic))), client: client, logger: logger)
        var restarted = false
        for partition in partitions {
            guard let generation = generations[partition.topic], let storedIn = stored["\(partition.topic)/\(partition.partition)"], storedIn < generation else { continue }
            logger.warning("\(configuration.name) starts a partition over: the relay found its topic lost and published it again", metadata: [
                "topic": "\(partition.topic)", "partition": "\(partition.partition)", "generation": "\(generation)",
            ])
            try await ProjectionOffsets.startOver(group: configuration.groupID, topic: partition.topic, partition: partition.partition, generation: generation, client: client, logger: logger)
            restarted = true
        }
        return restarted
    }

    /// A poll's messages as every stage takes them, read once.
    struct ReadBatch {
        let messageCount: Int
        /// In global order, which keeps each stream's (a stream lies in one partition).
        let events: [RecordedEvent]
        /// Each partition's next offset, in (topic, partition) order: the order every member locks their rows in.
        let nextOffsets: [(topic: String, partition: Int32, next: Int64)]
    }

    func read(_ messages: [KafkaMessage]) -> ReadBatch {
        let byPartition = Dictionary(grouping: messages) { KafkaTopicPartition(topic: $0.topic, partition: $0.partition) }
            .sorted { ($0.key.topic, $0.key.partition) < ($1.key.topic, $1.key.partition) }
        let events = messages.compactMap { message -> RecordedEvent? in
            let event = CloudEventMessage.event(from: message)
            if event == nil { self.logger.warning("\(configuration.name) skipped a message that is no CloudEvent of ours", metadata: ["topic": "\(message.topic)", "offset": "\(message.offset)"]) }
            return event
        }.sorted { $0.position < $1.position }
        let nextOffsets = byPartition.compactMap { partition, messages in messages.last.map { (partition.topic, partition.partition, $0.offset + 1) } }
        return ReadBatch(messageCount: messages.count, events: events, nextOffsets: nextOffsets)
    }

    /// Applies one polled batch through one stage, in one transaction that also advances the
    /// partitions' offsets when it is the last stage; in a span of its own linked to each
    /// event's trace (a batch serves many traces).
    func apply(_ batch: ReadBatch, stage: Int) async throws {
        try await withSpan("project \(configuration.name)", context: .topLevel, ofKind: .consumer) { span in
            span.attributes["messaging.batch.message_count"] = batch.messageCount
            span.attributes["commerce.projector.stage"] = stage
            span.linkTraces(of: batch.events)
            try await apply(batch, handler: stages[stage], advancingOffsets: stage == stages.count - 1)
        }
    }

    /// One handler call for the whole poll, not one per partition: a handler's cost is mostly
    /// statements per call (each read model reads and writes its rows set-wise), and a poll spans
    /// dozens of partitions.
    private func apply(_ batch: ReadBatch, handler: any ConsumedBatchHandler, advancingOffsets: Bool) async throws {
        let (groupID, events, logger) = (configuration.groupID, batch.events, logger)
        try await client.withWatchedTransaction(logger: logger) { connection in
            try await handler.begin(on: connection)
            // The last stage's offsets advance first, which locks their rows for the transaction.
            // Messages below the stored offset are offered too (a partition read again from its
            // start, copies from a rebalance, a batch whose last stage never committed): handlers
            // skip what they have.
            if advancingOffsets { try await ProjectionOffsets.advance(group: groupID, to: batch.nextOffsets, on: connection, logger: logger) }
            try await handler.apply(events, on: connection)
        }
    }
}
