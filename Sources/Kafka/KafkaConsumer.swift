import CRdKafka
import Foundation
import Logging
import Synchronization

/// A consumer in a consumer group. Offsets are never committed automatically: the caller
/// decides when a message counts as processed, and where each assigned partition starts.
///
/// Rebalances come back from ``poll(maxMessages:timeout:)`` as events. Revoked partitions are
/// unassigned at once; newly assigned ones are *not* consumed until the caller calls
/// ``assign(_:)`` with the offsets to start from (which it may keep in its own database, in the
/// same transaction as what it did with the messages). librdkafka waits for that call.
///
/// Every blocking librdkafka call runs on this consumer's own serial queue, so awaiting
/// ``poll(maxMessages:timeout:)`` never blocks the cooperative thread pool.
public final class KafkaConsumer: Sendable {
    let handle: RdKafkaHandle
    private let queue = DispatchQueue(label: "commerce.kafka.consumer")
    private let logger: Logger

    /// - Parameters:
    ///   - groupID: the consumer group; members of one group share the partitions.
    /// - Throws: ``KafkaError`` `.configuration` for a property librdkafka rejects.
    public init(configuration: KafkaConfiguration, groupID: String, logger: Logger) throws(KafkaError) {
        var properties: [String: String] = [
            "bootstrap.servers": configuration.bootstrapServers,
            "client.id": configuration.clientID,
            "group.id": groupID,
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
            "auto.offset.reset": "earliest",
            // Kafka's lowest default session timeout; some brokers (Tansu) also hold a first
            // JoinGroup for half of it, so the 45 s librdkafka default would delay start-up.
            "session.timeout.ms": "6000",
            "heartbeat.interval.ms": "1000",
            // A consumer that subscribes before its topics exist (a projector started before the
            // relay created them) sees them at the next metadata refresh: 5 s, not librdkafka's 5 min.
            "topic.metadata.refresh.interval.ms": "5000",
            "log.connection.close": "false",
            // How long a fetch may wait at the broker for new data. Kafka answers early when data
            // arrives; some brokers (Tansu) wait the full time, which becomes the read models' lag
            // (librdkafka's 500 ms default). 10 ms costs an idle consumer ~100 small requests/s.
            "fetch.wait.max.ms": "10",
        ]
        properties.merge(configuration.properties) { _, override in override }
        handle = try RdKafkaHandle(type: RD_KAFKA_CONSUMER, properties: properties, logger: logger) { conf in
            rd_kafka_conf_set_rebalance_cb(conf, rebalanceCallback)
        }
        // Route the main queue's events (errors, rebalances) to consumer_poll.
        rd_kafka_poll_set_consumer(handle.pointer)
        self.logger = logger
    }

    /// Joins the group for these topics; partitions arrive with the next polls.
    public func subscribe(topics: [String]) async throws(KafkaError) {
        try await blocking { [handle] () throws(KafkaError) in
            let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
            defer { rd_kafka_topic_partition_list_destroy(list) }
            for topic in topics {
                rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA)
            }
            let error = rd_kafka_subscribe(handle.pointer, list)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.consumer, "subscribe", error) }
        }
    }

    /// Waits up to `timeout` for the first message, then takes what else is ready, up to
    /// `maxMessages`; returns early with a rebalance, which comes after the messages received before it.
    /// - Throws: ``KafkaError`` for a fatal consumer error. Transient ones (broker down) are logged and retried by librdkafka.
    public func poll(maxMessages: Int = 500, timeout: Duration) async throws(KafkaError) -> KafkaConsumerBatch {
        try await blocking { [handle, logger] () throws(KafkaError) in
            var batch = KafkaConsumerBatch()
            var wait = timeout.milliseconds
            while batch.messages.count < maxMessages {
                let raw = rd_kafka_consumer_poll(handle.pointer, wait)
                batch.rebalances = handle.context.pendingRebalances.withLock { pending in
                    defer { pending.removeAll() }
                    return pending
                }
                guard let raw else { break }
                defer { rd_kafka_message_destroy(raw) }
                wait = 0
                let error = raw.pointee.err
                if error == RD_KAFKA_RESP_ERR_NO_ERROR {
                    batch.messages.append(KafkaMessage(copying: raw))
                } else if error == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    // nothing new on that partition
                } else if rd_kafka_fatal_error(handle.pointer, nil, 0) != RD_KAFKA_RESP_ERR_NO_ERROR {
                    throw KafkaError(.consumer, "fatal consumer error", error)
                } else {
                    KafkaMetrics.consumerErrors.increment()
                    logger.warning("Kafka consumer error", metadata: ["error": "\(String(cString: rd_kafka_err2str(error)))"])
                }
                if !batch.rebalances.isEmpty { break }
            }
            return batch
        }
    }

    /// Starts consuming assigned partitions at the given offsets (`KafkaTopicPartitionOffset.beginning`
    /// for a partition with no stored offset). Call it after an `.assigned` rebalance.
    public func assign(_ partitions: [KafkaTopicPartitionOffset]) async throws(KafkaError) {
        try await blocking { [handle] () throws(KafkaError) in
            let list = rd_kafka_topic_partition_list_new(Int32(partitions.count))
            defer { rd_kafka_topic_partition_list_destroy(list) }
            for entry in partitions {
                rd_kafka_topic_partition_list_add(list, entry.topic, entry.partition)!.pointee.offset = entry.offset
            }
            let error = rd_kafka_assign(handle.pointer, list)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.consumer, "assign", error) }
        }
    }

    /// Commits `offset` (the next offset to read) for each partition, synchronously.
    public func commit(_ offsets: [KafkaTopicPartitionOffset]) async throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        try await blocking { [handle] () throws(KafkaError) in
            let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))
            defer { rd_kafka_topic_partition_list_destroy(list) }
            for entry in offsets {
                rd_kafka_topic_partition_list_add(list, entry.topic, entry.partition)!.pointee.offset = entry.offset
            }
            let error = rd_kafka_commit(handle.pointer, list, 0)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.consumer, "commit", error) }
        }
    }

    /// Leaves the group cleanly, so its partitions move to the other members at once.
    public func close() async {
        await blocking { [handle] in
            _ = rd_kafka_consumer_close(handle.pointer)
        }
    }

    private func blocking<T: Sendable>(_ body: @escaping @Sendable () throws(KafkaError) -> T) async throws(KafkaError) -> T {
        let result: Result<T, KafkaError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: Result { () throws(KafkaError) in try body() })
            }
        }
        return try result.get()
    }

    private func blocking(_ body: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                body()
                continuation.resume()
            }
        }
    }
}

/// What one poll returned: messages, and group rebalances that happened meanwhile.
public struct KafkaConsumerBatch: Sendable {
    public var messages: [KafkaMessage] = []
    public var rebalances: [KafkaRebalance] = []
}

/// A change of the partitions this consumer owns.
public enum KafkaRebalance: Sendable, Equatable {
    /// Now owned; consume them by calling ``KafkaConsumer/assign(_:)`` with start offsets.
    case assigned([KafkaTopicPartition])
    /// No longer owned (already unassigned).
    case revoked([KafkaTopicPartition])
}

public struct KafkaTopicPartition: Sendable, Hashable {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }
}

/// Called from `rd_kafka_consumer_poll`, on the consumer's queue: records the rebalance for
/// `poll` to return. A revocation is applied at once; an assignment waits for the caller's offsets.
func rebalanceCallback(_ handle: OpaquePointer?, _ error: rd_kafka_resp_err_t, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, _ opaque: UnsafeMutableRawPointer?) {
    guard let handle, let opaque else { return }
    let context = Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue()
    var partitions: [KafkaTopicPartition] = []
    if let list {
        for index in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[index]
            partitions.append(KafkaTopicPartition(topic: String(cString: element.topic), partition: element.partition))
        }
    }
    switch error {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
        context.pendingRebalances.withLock { $0.append(.assigned(partitions)) }
    default:
        rd_kafka_assign(handle, nil)
        context.pendingRebalances.withLock { $0.append(.revoked(partitions)) }
    }
}

/// A position in one partition of a topic.
public struct KafkaTopicPartitionOffset: Sendable, Hashable {
    /// Start at the partition's first message.
    public static let beginning: Int64 = -2

    public var topic: String
    public var partition: Int32
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}

extension KafkaMessage {
    /// Copies a received librdkafka message into Swift values.
    init(copying raw: UnsafeMutablePointer<rd_kafka_message_t>) {
        let message = raw.pointee
        let value = message.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: message.len)) } ?? []
        let key = message.key.map { Array(UnsafeRawBufferPointer(start: $0, count: message.key_len)) }
        var headers: [Header] = []
        var list: OpaquePointer?
        if rd_kafka_message_headers(raw, &list) == RD_KAFKA_RESP_ERR_NO_ERROR {
            var index = 0
            var name: UnsafePointer<CChar>?
            var valuePointer: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(list, index, &name, &valuePointer, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                let bytes = valuePointer.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
                headers.append(Header(name.map { String(cString: $0) } ?? "", bytes))
                index += 1
            }
        }
        self.init(
            topic: String(cString: rd_kafka_topic_name(message.rkt)),
            partition: message.partition, offset: message.offset,
            key: key, value: value, headers: headers
        )
    }
}
