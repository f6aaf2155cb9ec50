import EventStore
import Foundation
import Kafka
import Logging

/// Republishes a range of the event store to Kafka for a downstream consumer that lost data:
/// the same CloudEvents the relay sent (same `ce_id`s, keys and headers), in global order, so
/// each stream's order holds. It runs beside the live relay without touching its checkpoint;
/// consumers deduplicate by `ce_id` as they do for any redelivery.
public struct KafkaReplay: Sendable {
    public struct Range: Sendable {
        public var fromPosition: Int64
        /// Inclusive; nil = up to the safe frontier when the replay starts.
        public var toPosition: Int64?
        public var category: String?
        /// Topics are `<topicPrefix>.<category>`: another prefix sends the range elsewhere.
        public var topicPrefix: String

        public init(fromPosition: Int64, toPosition: Int64? = nil, category: String? = nil, topicPrefix: String = CloudEventMessage.defaultTopicPrefix) {
            self.fromPosition = max(1, fromPosition)
            self.toPosition = toPosition
            self.category = category
            self.topicPrefix = topicPrefix
        }
    }

    public struct Report: Sendable {
        public var events = 0
        /// Messages per topic.
        public var topics: [String: Int] = [:]
        /// The last position republished (confirmed by the broker).
        public var lastPosition: Int64 = 0
    }

    /// Delivery failed part-way; everything up to `confirmedPosition` was delivered.
    public struct Interrupted: Error, CustomStringConvertible {
        public let confirmedPosition: Int64
        public let cause: KafkaError
        public var description: String {
            "Kafka delivery failed after position \(confirmedPosition) (\(cause)); run again with --from-position \(confirmedPosition + 1)"
        }
    }

    let store: PostgresEventStore
    let producer: KafkaProducer
    let partitions: Int
    let logger: Logger

    public init(store: PostgresEventStore, producer: KafkaProducer, partitions: Int = EventRelay.Configuration().partitions, logger: Logger) {
        self.store = store
        self.producer = producer
        self.partitions = partitions
        self.logger = logger
    }

    public func run(_ range: Range, progress: (@Sendable (AuditProgress) -> Void)? = nil) async throws -> Report {
        var upper = range.toPosition ?? 0
        if range.toPosition == nil { upper = try await store.frontierStatus().safePosition }
        let filter = range.category.map(EventFilter.category) ?? .all
        var report = Report()
        var known = Set<String>()
        var position = range.fromPosition - 1
        while position < upper {
            let page = try await store.readAll(after: position, limit: 1000, filter: filter, frontierWait: .zero)
            let events = page.events.filter { $0.position <= upper }
            guard !events.isEmpty else { break }
            let messages = events.map { CloudEventMessage.message(for: $0, topicPrefix: range.topicPrefix) }
            let missing = Set(messages.map(\.topic)).subtracting(known)
            if !missing.isEmpty {
                try await producer.createTopics(missing.sorted().map { KafkaTopicSpec(name: $0, partitions: partitions, replicationFactor: 1) })
                known.formUnion(missing)
            }
            for result in await producer.send(messages) {
                if case .failure(let error) = result {
                    // Deliveries complete out of order across partitions: what is certainly
                    // through is everything before this page.
                    throw Interrupted(confirmedPosition: position, cause: error)
                }
            }
            for message in messages { report.topics[message.topic, default: 0] += 1 }
            report.events += events.count
            position = events[events.count - 1].position
            report.lastPosition = position
            progress?(AuditProgress(eventsRead: report.events, position: position, firstPosition: range.fromPosition, lastPosition: upper))
            if events.count < page.events.count { break }
        }
        return report
    }
}
