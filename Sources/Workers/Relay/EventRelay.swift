import Aggregates
import EventStore
import Tracing
import Foundation
import Kafka
import Logging
import ServiceLifecycle

/// Publishes the event store to Kafka: follows `$all` in commit order from its checkpoint and
/// sends each event to `commerce.<category>` (see ``CloudEventMessage``).
///
/// The checkpoint moves only past events whose delivery the broker confirmed, so a crash or a
/// broker outage loses nothing; what was sent but not checkpointed is sent again (at least once).
/// The next page is read and sent while the broker confirms the last one: waiting for the
/// confirmations before reading on kept each event about one acknowledgement longer (some
/// 20 ms at 5,000 events/s) before the relay even read it.
/// The checkpoint is stored at most every `checkpointInterval` (and when the relay stops): a
/// crash sends that much again, and the relay does not commit a write of its own for every
/// page — at 1,000 events/s it read one page per append, and stored as often.
/// Database errors are retried with backoff as well: a worker never takes its process down.
/// While the broker is down, appends go on; the relay retries with backoff and publishes the
/// backlog in order when the broker is back, recreating its topics and its producer (a restarted
/// in-memory broker has lost the topics and no longer knows the idempotent producer's id).
///
/// A lost topic is noticed by its id (every `topicCheckInterval`, and after every failure): one
/// deleted and created again, or lost with a broker that restarted empty, comes back with a new
/// id. The relay then logs a warning, records the loss (``RelayTopicLosses``) and, before it
/// publishes anything newer, republishes from the store every event of the topic's category up
/// to its checkpoint, so each stream's order holds on the new topic; consumers dedupe by `ce_id`.
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
        /// The longest a confirmed position waits to be stored while pages keep coming.
        public var checkpointInterval = Duration.milliseconds(100)
        /// The longest wait between attempts while the broker or the database is down: the relay
        /// resumes within this (plus a connection) of their return.
        public var maximumBackoff = Duration.seconds(2)
        /// Topics created at start even before any event of theirs: every aggregate's category.
        public var categories: [String] = EventCatalog.categories.map(\.category)
        /// How often the topics' ids are compared with those recorded (a lost topic shows a new id).
        public var topicCheckInterval = Duration.seconds(5)
        /// Told of each page the broker confirmed: its events' positions, when the page was read
        /// from the store and when the broker had confirmed all of it. How `commerce-bench
        /// projection` splits the lag into stages; nil otherwise.
        public var published: (@Sendable (_ positions: [Int64], _ read: ContinuousClock.Instant, _ confirmed: ContinuousClock.Instant) -> Void)?

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

    /// A page sent whose confirmations the relay has not awaited yet.
    private struct Unconfirmed {
        let page: AllPage
        let deliveries: KafkaDeliveries
        let read: ContinuousClock.Instant
        /// Linked to each event's trace; ended once the broker confirmed the page, or failed.
        let span: any Span
    }

    private func publishUntilCancelled() async throws {
        var producer = try makeProducer()
        var topics = Set<String>()
        var checkpoint: Int64?
        // What the store holds, and when it was written: a newer checkpoint is written once that
        // is `checkpointInterval` old.
        var stored: (position: Int64, at: ContinuousClock.Instant)?
        var heldBackWait = HeldBackWait()
        var backoff = Duration.milliseconds(100)
        // Nil: compare the topics' ids before publishing anything (at start, after a failure).
        var lastTopicCheck: ContinuousClock.Instant?
        // Since when publishing has failed, to say how long it was stuck once it goes on.
        var failingSince: ContinuousClock.Instant?
        // The page sent last, whose confirmations are awaited only once the next page is read
        // and sent: the broker acknowledges one page while the relay reads the next (Kafka keeps
        // each partition's order across them). The checkpoint follows the confirmations.
        var unconfirmed: Unconfirmed?
        while !Task.isCancelled {
            do {
                let position: Int64
                if let checkpoint {
                    position = checkpoint
                } else {
                    position = try await store.checkpoint(of: configuration.checkpointName)
                    checkpoint = position
                    stored = (position, .now)
                    logger.info("relay starting", metadata: ["position": "\(position)"])
                }
                if lastTopicCheck.map({ ContinuousClock.now - $0 >= configuration.topicCheckInterval }) ?? true {
                    // Topics are checked, and lost ones republished, up to the checkpoint: with
                    // nothing sent past it.
                    if let sent = unconfirmed {
                        unconfirmed = nil
                        checkpoint = try await confirm(sent)
                        continue
                    }
                    if try await checkTopics(producer: producer, known: &topics, through: position) {
                        // A broker that lost its topics has forgotten the idempotent producer too.
                        await producer.close(timeout: .milliseconds(100))
                        producer = try makeProducer()
                    }
                    try await republishLostTopics(producer: producer)
                    lastTopicCheck = .now
                }
                let generation = store.appendGeneration
                let page = try await store.readAll(after: unconfirmed?.page.nextPosition ?? position, limit: configuration.batchSize, frontierWait: .zero)
                guard !page.events.isEmpty else {
                    if let sent = unconfirmed {
                        // Nothing new yet: the page sent last is confirmed before any wait.
                        unconfirmed = nil
                        checkpoint = try await confirm(sent)
                    }
                    // Past rolled-back positions too, when the read went beyond the checkpoint.
                    checkpoint = max(checkpoint ?? position, page.nextPosition)
                    try await storeCheckpoint(checkpoint, stored: &stored)
                    // An append since `generation` (even one committed while the last page was
                    // being confirmed) ends the wait at once; without one, the read above saw
                    // everything there is, and reading again would only find nothing again.
                    // A checkpoint not stored yet is stored when it is due.
                    var timeout = heldBackWait.after(heldBack: page.headPosition > page.safePosition, otherwise: configuration.idlePoll)
                    if let stored, let checkpoint, checkpoint > stored.position {
                        timeout = min(timeout, max(.zero, checkpointDue(after: stored) - .now))
                    }
                    await store.waitForAppends(after: generation, timeout: timeout)
                    continue
                }
                heldBackWait.reset()
                let read = ContinuousClock.now
                try await ensureTopics(for: page.events, producer: producer, known: &topics)
                // One span per published page, linked to each event's trace.
                let span = startSpan("relay publish", context: .topLevel, ofKind: .producer)
                span.attributes["messaging.batch.message_count"] = page.events.count
                span.linkTraces(of: page.events)
                let deliveries = producer.enqueue(page.events.map { CloudEventMessage.message(for: $0, topicPrefix: configuration.topicPrefix) })
                let previous = unconfirmed
                unconfirmed = Unconfirmed(page: page, deliveries: deliveries, read: read, span: span)
                if let previous {
                    checkpoint = try await confirm(previous)
                    try await storeCheckpoint(checkpoint, stored: &stored)
                }
                backoff = .milliseconds(100)
                if let since = failingSince {
                    logger.notice("relay publishing again", metadata: ["failedFor": "\(ContinuousClock.now - since)", "position": "\(page.nextPosition)"])
                    failingSince = nil
                }
            } catch {
                // What was sent past the checkpoint is sent again, after the backoff.
                if let sent = unconfirmed {
                    sent.span.recordError(error)
                    sent.span.end()
                    unconfirmed = nil
                }
                // Only this task's cancellation stops the relay; a CancellationError from below
                // is a transient fault like any other.
                guard !Task.isCancelled else { break }
                if failingSince == nil { failingSince = .now }
                logger.warning("relay could not publish; retrying", metadata: ["error": "\(String(reflecting: error))", "position": "\(checkpoint ?? -1)", "backoff": "\(backoff)"])
                // What was confirmed stays confirmed: kept in memory, stored when due (the
                // database may be what failed).
                // The broker may have restarted: it may have lost the topics, and an idempotent
                // producer's id with them (deliveries then only time out), so start afresh.
                topics.removeAll()
                lastTopicCheck = nil
                await producer.close(timeout: .milliseconds(100))
                producer = try makeProducer()
                do { try await Task.sleep(for: backoff) } catch { break }
                backoff = min(backoff * 2, configuration.maximumBackoff)
            }
        }
        // Shutting down: a page sent and not yet confirmed is checkpointed if the broker
        // confirms it while the producer flushes; otherwise it is sent again next time.
        await producer.close()
        do {
            if let sent = unconfirmed { checkpoint = try await confirm(sent) }
            try await storeCheckpoint(checkpoint, stored: &stored, force: true)
        } catch {
            logger.info("relay leaves what it sent since its stored checkpoint to be sent again", metadata: [
                "error": "\(String(reflecting: error))", "position": "\(stored?.position ?? -1)",
            ])
        }
        logger.info("relay stopped", metadata: ["position": "\(checkpoint ?? -1)"])
    }

    /// Awaits the broker's confirmation of every event of a sent page.
    /// - Returns: the position past it: the new checkpoint, stored when due (``storeCheckpoint(_:stored:force:)``).
    /// - Throws: the first failed delivery.
    private func confirm(_ sent: Unconfirmed) async throws -> Int64 {
        let results = await sent.deliveries.results()
        for case .failure(let error) in results {
            sent.span.recordError(error)
            sent.span.end()
            throw error
        }
        sent.span.end()
        configuration.published?(sent.page.events.map(\.position), sent.read, sent.deliveries.completedAt ?? .now)
        logger.debug("relay published", metadata: ["events": "\(sent.page.events.count)", "position": "\(sent.page.nextPosition)"])
        return sent.page.nextPosition
    }

    /// Writes the checkpoint when it moved, if the stored one is `checkpointInterval` old or it
    /// is `force`d.
    private func storeCheckpoint(_ checkpoint: Int64?, stored: inout (position: Int64, at: ContinuousClock.Instant)?, force: Bool = false) async throws {
        guard let checkpoint, checkpoint > (stored?.position ?? -1) else { return }
        if !force, let stored, ContinuousClock.now < checkpointDue(after: stored) { return }
        try await store.storeCheckpoint(checkpoint, for: configuration.checkpointName)
        stored = (checkpoint, .now)
    }

    /// When a newer checkpoint than the one `stored` may be written: `checkpointInterval` after it.
    private func checkpointDue(after stored: (position: Int64, at: ContinuousClock.Instant)) -> ContinuousClock.Instant {
        stored.at + configuration.checkpointInterval
    }

    /// Creates missing topics, then compares every topic's id with the one recorded.
    /// - Returns: whether a topic was lost (its loss is recorded for ``republishLostTopics(producer:)``).
    private func checkTopics(producer: KafkaProducer, known: inout Set<String>, through position: Int64) async throws -> Bool {
        let prefix = configuration.topicPrefix
        let categories = Dictionary(uniqueKeysWithValues: Set(configuration.categories).map { (CloudEventMessage.topic(forCategory: $0, prefix: prefix), $0) })
        var ids = try await producer.topicIDs(categories.keys.sorted())
        let missing = Set(categories.keys).subtracting(ids.keys)
        known = Set(ids.keys)
        if !missing.isEmpty {
            try await ensureTopics(for: [], producer: producer, known: &known)
            ids = try await producer.topicIDs(categories.keys.sorted())
        }
        let losses = try await RelayTopicLosses.compare(ids, categories: categories, through: position, client: store.client, logger: logger)
        for loss in losses {
            logger.warning("Kafka topic lost (it came back with a new id): republishing its events from the store", metadata: [
                "topic": "\(loss.topic)", "through": "\(loss.lostThrough)", "loss": "\(loss.id)",
            ])
        }
        return !losses.isEmpty
    }

    /// Republishes what lost topics held, page by page, recording progress: a failure or a
    /// crash resumes where it stopped.
    private func republishLostTopics(producer: KafkaProducer) async throws {
        for loss in try await RelayTopicLosses.pending(client: store.client, logger: logger) {
            var after = loss.republishedAfter
            var sent = loss.republished
            while after < loss.lostThrough {
                let page = try await store.readAll(after: after, limit: configuration.batchSize, filter: .category(loss.category), frontierWait: .zero)
                let events = page.events.filter { $0.position <= loss.lostThrough }
                let results = await producer.send(events.map { CloudEventMessage.message(for: $0, topicPrefix: configuration.topicPrefix) })
                for case .failure(let error) in results { throw error }
                // A short page reaches the frontier, which is past the relay's checkpoint.
                let reached = events.count < page.events.count || page.events.count < configuration.batchSize ? loss.lostThrough : page.nextPosition
                try await RelayTopicLosses.advance(loss, to: reached, adding: events.count, client: store.client, logger: logger)
                after = reached
                sent += Int64(events.count)
            }
            logger.warning("relay republished a lost topic", metadata: ["topic": "\(loss.topic)", "events": "\(sent)", "through": "\(loss.lostThrough)"])
        }
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
