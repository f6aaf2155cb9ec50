import Aggregates
import EventStore
import Foundation
import Kafka
import Logging
import ServiceLifecycle

/// Publishes the event store to Kafka: follows `$all` in commit order from its checkpoint and
/// sends each event to `commerce.<category>` (see ``CloudEventMessage``).
///
/// The checkpoint moves only past events whose delivery the broker confirmed, so a crash or a
/// broker outage loses nothing; what was sent but not checkpointed is sent again (at least once).
/// Database errors are retried with backoff as well: a worker never takes its process down.
/// While the broker is down, appends go on; the relay retries with backoff and publishes the
/// backlog in order when the broker is back, recreating its topics and its producer (a restarted
/// in-memory broker has lost the topics and no longer knows the idempotent producer's id).
public struct EventRelay: Service {
    public struct Configuration: Sendable {
        /// The name its checkpoint is stored under.
        public var checkpointName = "kafka-relay"
        /// Topics are `<topicPrefix>.<category>`.
        public var topicPrefix = CloudEventMessage.defaultTopicPrefix
        public var batchSize = 500
        public var partitions = 6
        public var replicationFactor = 1
        /// How long to wait for new events before looking again when nothing woke it.
        public var idlePoll = Duration.milliseconds(500)
        /// The longest wait between attempts while the broker or the database is down: the relay
        /// resumes within this (plus a connection) of their return.
        public var maximumBackoff = Duration.seconds(2)
        /// Topics created at start even before any event of theirs: every aggregate's category.
        public var categories: [String] = EventCatalog.categories.map(\.category)

        public init() {}
    }

    let store: PostgresEventStore
    let makeProducer: @Sendable () throws -> KafkaProducer
    let configuration: Configuration
    let logger: Logger

    /// - Parameter makeProducer: builds the producer, again after a fatal producer error.
    public init(store: PostgresEventStore, configuration: Configuration = .init(), logger: Logger, makeProducer: @escaping @Sendable () throws -> KafkaProducer) {
        self.store = store
        self.makeProducer = makeProducer
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        // Graceful shutdown cancels the loop; what was confirmed is checkpointed, the rest is sent again next time.
        try await cancelWhenGracefulShutdown { try await publishUntilCancelled() }
    }

    private func publishUntilCancelled() async throws {
        var producer = try makeProducer()
        var topics = Set<String>()
        var checkpoint: Int64?
        var backoff = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                let position: Int64
                if let checkpoint {
                    position = checkpoint
                } else {
                    position = try await store.checkpoint(of: configuration.checkpointName)
                    checkpoint = position
                    logger.info("relay starting", metadata: ["position": "\(position)"])
                }
                let generation = store.appendGeneration
                let page = try await store.readAll(after: position, limit: configuration.batchSize, frontierWait: .zero)
                guard !page.events.isEmpty else {
                    if page.nextPosition > position {
                        try await store.storeCheckpoint(page.nextPosition, for: configuration.checkpointName)
                        checkpoint = page.nextPosition
                    }
                    await store.waitForAppends(after: generation, timeout: configuration.idlePoll)
                    continue
                }
                try await ensureTopics(for: page.events, producer: producer, known: &topics)
                let results = await producer.send(page.events.map { CloudEventMessage.message(for: $0, topicPrefix: configuration.topicPrefix) })
                for case .failure(let error) in results { throw error }
                try await store.storeCheckpoint(page.nextPosition, for: configuration.checkpointName)
                logger.debug("relay published", metadata: ["events": "\(page.events.count)", "position": "\(page.nextPosition)"])
                checkpoint = page.nextPosition
                backoff = .milliseconds(100)
            } catch is CancellationError {
                break
            } catch {
                guard !Task.isCancelled else { break }
                logger.warning("relay could not publish; retrying", metadata: ["error": "\(String(reflecting: error))", "position": "\(checkpoint ?? -1)", "backoff": "\(backoff)"])
                // The broker may have restarted: it may have lost the topics, and an idempotent
                // producer's id with them (deliveries then only time out), so start afresh.
                topics.removeAll()
                await producer.close(timeout: .milliseconds(100))
                producer = try makeProducer()
                do { try await Task.sleep(for: backoff) } catch { break }
                backoff = min(backoff * 2, configuration.maximumBackoff)
            }
        }
        await producer.close()
        logger.info("relay stopped", metadata: ["position": "\(checkpoint ?? -1)"])
    }

    private func ensureTopics(for events: [RecordedEvent], producer: KafkaProducer, known: inout Set<String>) async throws(KafkaError) {
        let prefix = configuration.topicPrefix
        let wanted = Set((configuration.categories + events.map { String($0.category) }).map { CloudEventMessage.topic(forCategory: $0, prefix: prefix) })
        let missing = wanted.subtracting(known)
        guard !missing.isEmpty else { return }
        try await producer.createTopics(missing.sorted().map {
            KafkaTopicSpec(name: $0, partitions: configuration.partitions, replicationFactor: configuration.replicationFactor)
        })
        known.formUnion(missing)
    }
}
