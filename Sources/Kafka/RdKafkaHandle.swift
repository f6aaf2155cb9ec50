import CRdKafka
import Foundation
import Logging

/// Owns one librdkafka client handle (`rd_kafka_t`) and the calls every client kind shares:
/// metadata and topic administration.
///
/// `@unchecked Sendable` because librdkafka documents its handles as thread-safe; this class
/// adds no mutable state of its own.
final class RdKafkaHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    /// Lives as long as the handle: librdkafka's callbacks reach it through the opaque pointer.
    let context: ClientContext

    /// Creates a client of `type` from string properties; takes ownership of nothing it is given.
    /// `prepare` may install callbacks on the configuration before the handle is made.
    init(type: rd_kafka_type_t, properties: [String: String], logger: Logger, prepare: (OpaquePointer) -> Void = { _ in }) throws(KafkaError) {
        let conf = rd_kafka_conf_new()!
        context = ClientContext(logger)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
        rd_kafka_conf_set_log_cb(conf, kafkaLogCallback)
        var errorBuffer = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            let result = rd_kafka_conf_set(conf, key, value, &errorBuffer, errorBuffer.count)
            guard result == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(.configuration, "\(key)=\(value): \(String(errorBuffer: errorBuffer))")
            }
        }
        prepare(conf)
        // rd_kafka_new takes the configuration on success only.
        guard let handle = rd_kafka_new(type, conf, &errorBuffer, errorBuffer.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(.configuration, String(errorBuffer: errorBuffer))
        }
        pointer = handle
    }

    deinit {
        rd_kafka_destroy(pointer)
    }

    /// Asks the cluster for its brokers and topics; blocks up to `timeout`.
    func metadata(timeout: Duration) throws(KafkaError) -> KafkaClusterMetadata {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let error = rd_kafka_metadata(pointer, 1, nil, &metadata, timeout.milliseconds)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError(error == RD_KAFKA_RESP_ERR__TRANSPORT || error == RD_KAFKA_RESP_ERR__TIMED_OUT ? .brokerUnreachable : .operation, "metadata request", error)
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        let md = metadata.pointee
        let brokers = (0..<Int(md.broker_cnt)).map { index in
            let broker = md.brokers[index]
            return KafkaClusterMetadata.Broker(id: broker.id, host: String(cString: broker.host), port: Int(broker.port))
        }
        var topics: [String: Int] = [:]
        for index in 0..<Int(md.topic_cnt) {
            let topic = md.topics[index]
            if topic.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                topics[String(cString: topic.topic)] = Int(topic.partition_cnt)
            }
        }
        return KafkaClusterMetadata(brokers: brokers, topics: topics)
    }

    /// The offset after the last message of a partition (its high watermark), asked of the broker.
    func highWatermark(topic: String, partition: Int32, timeout: Duration) throws(KafkaError) -> Int64 {
        var low: Int64 = 0
        var high: Int64 = 0
        let error = rd_kafka_query_watermark_offsets(pointer, topic, partition, &low, &high, timeout.milliseconds)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.operation, "watermarks of \(topic)/\(partition)", error) }
        return high
    }

    /// Creates topics that do not exist yet; a topic that exists already is not an error.
    /// - Returns: the names of the topics it created (not those that existed).
    @discardableResult
    func createTopics(_ topics: [KafkaTopicSpec], timeout: Duration) throws(KafkaError) -> [String] {
        guard !topics.isEmpty else { return [] }
        var errorBuffer = [CChar](repeating: 0, count: 512)
        var newTopics: [OpaquePointer?] = []
        defer { newTopics.forEach { rd_kafka_NewTopic_destroy($0) } }
        for topic in topics {
            guard let newTopic = rd_kafka_NewTopic_new(topic.name, Int32(topic.partitions), Int32(topic.replicationFactor), &errorBuffer, errorBuffer.count) else {
                throw KafkaError(.topicCreation, "topic \(topic.name): \(String(errorBuffer: errorBuffer))")
            }
            newTopics.append(newTopic)
        }
        return try adminRequest(RD_KAFKA_ADMIN_OP_CREATETOPICS, "create topics", failure: .topicCreation, timeout: timeout) { options, queue in
            newTopics.withUnsafeMutableBufferPointer { buffer in
                rd_kafka_CreateTopics(pointer, buffer.baseAddress, buffer.count, options, queue)
            }
        } read: { event throws(KafkaError) in
            guard let result = rd_kafka_event_CreateTopics_result(event) else {
                throw KafkaError(.topicCreation, "unexpected admin result event")
            }
            return try Self.createdTopics(result)
        }
    }

    private static func createdTopics(_ result: OpaquePointer) throws(KafkaError) -> [String] {
        var count = 0
        let results = rd_kafka_CreateTopics_result_topics(result, &count)
        var created: [String] = []
        for index in 0..<count {
            let topicResult = results![index]
            let error = rd_kafka_topic_result_error(topicResult)
            let name = String(cString: rd_kafka_topic_result_name(topicResult))
            if error == RD_KAFKA_RESP_ERR_NO_ERROR {
                created.append(name)
            } else if error != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
                let message = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) } ?? ""
                throw KafkaError(.topicCreation, "topic \(name): \(message)", rdKafkaError: error.rawValue)
            }
        }
        return created
    }

    /// Deletes topics (an operator's act: a test of what a lost topic does). A topic that does not
    /// exist is not an error.
    func deleteTopics(_ topics: [String], timeout: Duration) throws(KafkaError) {
        guard !topics.isEmpty else { return }
        var deletions = topics.map { rd_kafka_DeleteTopic_new($0) }
        defer { deletions.forEach { rd_kafka_DeleteTopic_destroy($0) } }
        try adminRequest(RD_KAFKA_ADMIN_OP_DELETETOPICS, "delete topics", failure: .operation, timeout: timeout) { options, queue in
            deletions.withUnsafeMutableBufferPointer { buffer in
                rd_kafka_DeleteTopics(pointer, buffer.baseAddress, buffer.count, options, queue)
            }
        } read: { event throws(KafkaError) in
            guard let result = rd_kafka_event_DeleteTopics_result(event) else { throw KafkaError(.operation, "unexpected admin result event") }
            try Self.checkDeleted(result)
        }
    }

    private static func checkDeleted(_ result: OpaquePointer) throws(KafkaError) {
        var count = 0
        let results = rd_kafka_DeleteTopics_result_topics(result, &count)
        for index in 0..<count {
            let error = rd_kafka_topic_result_error(results![index])
            if error != RD_KAFKA_RESP_ERR_NO_ERROR && error != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART {
                throw KafkaError(.operation, "delete topic \(String(cString: rd_kafka_topic_result_name(results![index])))", error)
            }
        }
    }

    /// Each existing topic's id (base64, as Kafka tools print it): a topic deleted and created
    /// again under the same name gets a new one. Topics that do not exist are left out.
    func topicIDs(_ topics: [String], timeout: Duration) throws(KafkaError) -> [String: String] {
        guard !topics.isEmpty else { return [:] }
        let names = topics.map { strdup($0) }
        defer { names.forEach { free($0) } }
        var pointers = names.map { UnsafePointer<CChar>($0) }
        guard let collection = pointers.withUnsafeMutableBufferPointer({ rd_kafka_TopicCollection_of_topic_names($0.baseAddress, $0.count) }) else {
            throw KafkaError(.operation, "describe topics: no topic collection")
        }
        defer { rd_kafka_TopicCollection_destroy(collection) }
        return try adminRequest(RD_KAFKA_ADMIN_OP_DESCRIBETOPICS, "describe topics", failure: .operation, timeout: timeout) { options, queue in
            rd_kafka_DescribeTopics(pointer, collection, options, queue)
        } read: { event throws(KafkaError) in
            guard let result = rd_kafka_event_DescribeTopics_result(event) else { throw KafkaError(.operation, "unexpected admin result event") }
            return Self.topicIDs(result)
        }
    }

    private static func topicIDs(_ result: OpaquePointer) -> [String: String] {
        var count = 0
        let descriptions = rd_kafka_DescribeTopics_result_topics(result, &count)
        var ids: [String: String] = [:]
        for index in 0..<count {
            guard let description = descriptions?[index] else { continue }
            if let error = rd_kafka_TopicDescription_error(description), rd_kafka_error_code(error) != RD_KAFKA_RESP_ERR_NO_ERROR { continue }
            guard let id = rd_kafka_TopicDescription_topic_id(description), let text = rd_kafka_Uuid_base64str(id) else { continue }
            ids[String(cString: rd_kafka_TopicDescription_name(description))] = String(cString: text)
        }
        return ids
    }

    /// Sends one admin request (`send` gets its options and result queue) and reads its result
    /// event with `read`; a request the cluster did not answer throws.
    private func adminRequest<T>(
        _ operation: rd_kafka_admin_op_t, _ what: String, failure: KafkaError.Code, timeout: Duration,
        send: (OpaquePointer?, OpaquePointer?) -> Void, read: (OpaquePointer) throws(KafkaError) -> T
    ) throws(KafkaError) -> T {
        var errorBuffer = [CChar](repeating: 0, count: 512)
        let queue = rd_kafka_queue_new(pointer)
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(pointer, operation)
        defer { rd_kafka_AdminOptions_destroy(options) }
        rd_kafka_AdminOptions_set_request_timeout(options, timeout.milliseconds, &errorBuffer, errorBuffer.count)
        // Only topic creation and deletion take an operation timeout; the others refuse it, harmlessly.
        rd_kafka_AdminOptions_set_operation_timeout(options, timeout.milliseconds, &errorBuffer, errorBuffer.count)
        send(options, queue)
        // Wait a little longer than the request timeout: the result event always comes.
        guard let event = rd_kafka_queue_poll(queue, timeout.milliseconds + 1000) else {
            throw KafkaError(.timedOut, "\(what): no answer within \(timeout)")
        }
        defer { rd_kafka_event_destroy(event) }
        let eventError = rd_kafka_event_error(event)
        guard eventError == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(eventError == RD_KAFKA_RESP_ERR__TIMED_OUT ? .brokerUnreachable : failure, what, eventError)
        }
        return try read(event)
    }
}

extension Duration {
    /// Whole milliseconds, as librdkafka's timeouts take them (saturating at `Int32.max`).
    var milliseconds: Int32 {
        let (seconds, attoseconds) = components
        let total = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int32(clamping: total)
    }
}

extension String {
    /// The text librdkafka wrote into a NUL-terminated error buffer.
    init(errorBuffer: [CChar]) {
        self.init(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
