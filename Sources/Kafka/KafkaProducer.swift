import CRdKafka
import Foundation
import Logging
import Synchronization

/// A Kafka producer with the idempotent setting on and `acks=all`: `send` returns once the
/// broker has confirmed the message (its delivery report), or throws when it could not be
/// delivered within `message.timeout.ms` (5 s unless configured otherwise).
///
/// librdkafka only calls delivery reports from `rd_kafka_poll`, so a dedicated thread polls the
/// handle; nothing here blocks the cooperative thread pool except ``flush(timeout:)``, which
/// hops to that thread's queue as well.
///
/// ```swift
/// let producer = try KafkaProducer(configuration: .init(bootstrapServers: "127.0.0.1:9092"), logger: logger)
/// let report = try await producer.send(KafkaMessage(topic: "commerce.cart", key: Array("cart-1".utf8), value: json))
/// ```
public final class KafkaProducer: Sendable {
    let handle: RdKafkaHandle
    private let logger: Logger
    private let poller: PollThread
    private let blockingQueue = DispatchQueue(label: "commerce.kafka.producer.blocking")

    /// - Throws: ``KafkaError`` with code `.configuration` for a property librdkafka rejects.
    public init(configuration: KafkaConfiguration, logger: Logger) throws(KafkaError) {
        var properties: [String: String] = [
            "bootstrap.servers": configuration.bootstrapServers,
            "client.id": configuration.clientID,
            "enable.idempotence": "true",
            "acks": "all",
            "linger.ms": "2",
            "log.connection.close": "false",
            // A broker outage shows as failed deliveries after 5 s (librdkafka's default holds a
            // batch for 5 minutes; a broker that came back empty never confirms it), and its end
            // is noticed within a second: reconnection attempts back off to 1 s at most (default
            // 10 s). A healthy broker confirms in milliseconds; a delivery that times out is
            // sent again (at least once).
            "message.timeout.ms": "5000",
            "reconnect.backoff.ms": "100",
            "reconnect.backoff.max.ms": "1000",
        ]
        properties.merge(configuration.properties) { _, override in override }
        handle = try RdKafkaHandle(type: RD_KAFKA_PRODUCER, properties: properties, logger: logger) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf, deliveryReportCallback)
        }
        self.logger = logger
        poller = PollThread(handle: handle)
    }

    deinit {
        poller.stop()
    }

    /// Sends one message and waits for the broker's acknowledgement.
    /// - Returns: where the message was stored.
    /// - Throws: ``KafkaError`` `.delivery` when the broker did not take it in time, `.closed` after ``close(timeout:)``.
    @discardableResult
    public func send(_ message: KafkaMessage) async throws(KafkaError) -> KafkaDeliveryReport {
        let result: Result<KafkaDeliveryReport, KafkaError> = await withCheckedContinuation { continuation in
            enqueue(message, continuation: continuation)
        }
        return try result.get()
    }

    /// Sends messages in order (per partition, Kafka keeps that order) and waits for every
    /// delivery report. One result per message, in the order given.
    public func send(_ messages: [KafkaMessage]) async -> [Result<KafkaDeliveryReport, KafkaError>] {
        await enqueue(messages).results()
    }

    /// Enqueues messages in order, now, and returns their deliveries to await later: messages
    /// enqueued after these follow them in each partition, so a caller can send its next batch
    /// while the broker acknowledges this one.
    public func enqueue(_ messages: [KafkaMessage]) -> KafkaDeliveries {
        let deliveries = KafkaDeliveries(count: messages.count)
        for (index, message) in messages.enumerated() {
            enqueue(message, promise: DeliveryPromise { deliveries.deliver($0, at: index) })
        }
        return deliveries
    }

    private func enqueue(_ message: KafkaMessage, continuation: CheckedContinuation<Result<KafkaDeliveryReport, KafkaError>, Never>) {
        enqueue(message, promise: DeliveryPromise { continuation.resume(returning: $0) })
    }

    private func enqueue(_ message: KafkaMessage, promise deliveryPromise: DeliveryPromise) {
        guard !poller.isStopped else {
            deliveryPromise.complete(.failure(KafkaError(.closed, "producer is closed")))
            return
        }
        let promise = Unmanaged.passRetained(deliveryPromise).toOpaque()
        let headers = rd_kafka_headers_new(message.headers.count)
        for header in message.headers {
            header.value.withUnsafeBytes { bytes in
                _ = rd_kafka_header_add(headers, header.name, -1, bytes.baseAddress, bytes.count)
            }
        }
        var error = RD_KAFKA_RESP_ERR_NO_ERROR
        // Retry briefly while the local queue is full: the poll thread drains it.
        for attempt in 0..<100 {
            error = produce(message, headers: headers, opaque: promise)
            guard error == RD_KAFKA_RESP_ERR__QUEUE_FULL else { break }
            rd_kafka_poll(handle.pointer, attempt < 10 ? 1 : 10)
        }
        if error != RD_KAFKA_RESP_ERR_NO_ERROR {
            // On failure librdkafka owns neither the headers nor the opaque.
            rd_kafka_headers_destroy(headers)
            Unmanaged<DeliveryPromise>.fromOpaque(promise).release()
            KafkaMetrics.produceErrors.increment()
            deliveryPromise.complete(.failure(KafkaError(.delivery, "produce to \(message.topic)", error)))
        }
    }

    private func produce(_ message: KafkaMessage, headers: OpaquePointer?, opaque: UnsafeMutableRawPointer) -> rd_kafka_resp_err_t {
        message.topic.withCString { topic in
            message.value.withUnsafeBytes { value in
                withKeyBytes(message.key) { key in
                    var values = [rd_kafka_vu_t](repeating: rd_kafka_vu_t(), count: 6)
                    values[0].vtype = RD_KAFKA_VTYPE_TOPIC
                    values[0].u.cstr = topic
                    values[1].vtype = RD_KAFKA_VTYPE_VALUE
                    values[1].u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                    values[1].u.mem.size = value.count
                    values[2].vtype = RD_KAFKA_VTYPE_KEY
                    values[2].u.mem.ptr = UnsafeMutableRawPointer(mutating: key?.baseAddress)
                    values[2].u.mem.size = key?.count ?? 0
                    values[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS
                    values[3].u.i = RD_KAFKA_MSG_F_COPY
                    values[4].vtype = RD_KAFKA_VTYPE_OPAQUE
                    values[4].u.ptr = opaque
                    values[5].vtype = RD_KAFKA_VTYPE_HEADERS
                    values[5].u.headers = headers
                    if message.partition >= 0 {
                        values.append(rd_kafka_vu_t())
                        values[6].vtype = RD_KAFKA_VTYPE_PARTITION
                        values[6].u.i32 = message.partition
                    }
                    let error = values.withUnsafeMutableBufferPointer { buffer in
                        rd_kafka_produceva(handle.pointer, buffer.baseAddress, buffer.count)
                    }
                    defer { rd_kafka_error_destroy(error) }
                    return error.map { rd_kafka_error_code($0) } ?? RD_KAFKA_RESP_ERR_NO_ERROR
                }
            }
        }
    }

    /// Waits until every message sent so far is acknowledged, or `timeout` passes.
    /// - Throws: ``KafkaError`` `.timedOut` when messages are still in flight.
    public func flush(timeout: Duration) async throws(KafkaError) {
        let error: rd_kafka_resp_err_t = await withCheckedContinuation { continuation in
            blockingQueue.async { [handle] in
                continuation.resume(returning: rd_kafka_flush(handle.pointer, timeout.milliseconds))
            }
        }
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.timedOut, "flush: \(rd_kafka_outq_len(handle.pointer)) messages still in flight after \(timeout)")
        }
    }

    /// A fatal error of the idempotent producer (it must then be replaced), if one occurred.
    public var fatalError: KafkaError? {
        var buffer = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(handle.pointer, &buffer, buffer.count)
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(.delivery, "fatal producer error: \(String(errorBuffer: buffer))", rdKafkaError: code.rawValue)
    }

    /// Messages handed to the producer that the broker has not confirmed yet.
    public var inFlightCount: Int { Int(rd_kafka_outq_len(handle.pointer)) }

    /// Flushes, then stops the poll thread. Messages still in flight fail with `.delivery`.
    public func close(timeout: Duration = .seconds(10)) async {
        do {
            try await flush(timeout: timeout)
        } catch {
            logger.warning("closing Kafka producer with messages in flight", metadata: ["error": "\(error)"])
            rd_kafka_purge(handle.pointer, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
            rd_kafka_poll(handle.pointer, 0)
        }
        poller.stop()
    }

    /// Asks the cluster for its brokers and topics without blocking the caller's thread.
    /// - Throws: ``KafkaError`` `.brokerUnreachable` when no broker answers within `timeout`.
    public func metadata(timeout: Duration) async throws(KafkaError) -> KafkaClusterMetadata {
        try await onBlockingQueue { [handle] () throws(KafkaError) in try handle.metadata(timeout: timeout) }
    }

    /// The high watermark (the offset after the last message) of every partition of `topic`.
    public func highWatermarks(topic: String, timeout: Duration = .seconds(5)) async throws(KafkaError) -> [Int32: Int64] {
        try await onBlockingQueue { [handle] () throws(KafkaError) in
            let partitions = try handle.metadata(timeout: timeout).topics[topic] ?? 0
            var marks: [Int32: Int64] = [:]
            for partition in 0..<Int32(partitions) {
                marks[partition] = try handle.highWatermark(topic: topic, partition: partition, timeout: timeout)
            }
            return marks
        }
    }

    /// Creates the topics that do not exist yet.
    /// - Returns: the names of those it created.
    @discardableResult
    public func createTopics(_ topics: [KafkaTopicSpec], timeout: Duration = .seconds(10)) async throws(KafkaError) -> [String] {
        try await onBlockingQueue { [handle] () throws(KafkaError) in try handle.createTopics(topics, timeout: timeout) }
    }

    /// Deletes topics; one that does not exist is not an error.
    public func deleteTopics(_ topics: [String], timeout: Duration = .seconds(10)) async throws(KafkaError) {
        try await onBlockingQueue { [handle] () throws(KafkaError) in try handle.deleteTopics(topics, timeout: timeout) }
    }

    /// Each existing topic's id; one deleted and created again has a new one. Missing topics are left out.
    public func topicIDs(_ topics: [String], timeout: Duration = .seconds(10)) async throws(KafkaError) -> [String: String] {
        try await onBlockingQueue { [handle] () throws(KafkaError) in try handle.topicIDs(topics, timeout: timeout) }
    }

    private func onBlockingQueue<T: Sendable>(_ body: @escaping @Sendable () throws(KafkaError) -> T) async throws(KafkaError) -> T {
        let result: Result<T, KafkaError> = await withCheckedContinuation { continuation in
            blockingQueue.async {
                continuation.resume(returning: Result { () throws(KafkaError) in try body() })
            }
        }
        return try result.get()
    }
}

/// The thread that serves delivery reports: librdkafka calls them only from `rd_kafka_poll`.
private final class PollThread: Sendable {
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(handle: RdKafkaHandle) {
        let thread = Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                rd_kafka_poll(handle.pointer, 100)
            }
            finished.signal()
        }
        thread.name = "kafka-producer-poll"
        thread.start()
    }

    var isStopped: Bool { stopped.load(ordering: .relaxed) }

    /// Stops polling and waits for the thread to finish its last poll; idempotent.
    func stop() {
        if !stopped.exchange(true, ordering: .relaxed) {
            finished.wait()
        }
    }
}

private func withKeyBytes<R>(_ key: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let key else { return body(nil) }
    return key.withUnsafeBytes { body($0) }
}

/// Carries what to do with a message's delivery report through librdkafka as its opaque pointer.
private final class DeliveryPromise: Sendable {
    let complete: @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void
    init(_ complete: @escaping @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void) {
        self.complete = complete
    }
}

private func deliveryReportCallback(_: OpaquePointer?, _ message: UnsafePointer<rd_kafka_message_t>?, _: UnsafeMutableRawPointer?) {
    guard let message, let opaque = message.pointee._private else { return }
    let promise = Unmanaged<DeliveryPromise>.fromOpaque(opaque).takeRetainedValue()
    let topic = String(cString: rd_kafka_topic_name(message.pointee.rkt))
    if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
        promise.complete(.success(KafkaDeliveryReport(topic: topic, partition: message.pointee.partition, offset: message.pointee.offset)))
    } else {
        KafkaMetrics.produceErrors.increment()
        promise.complete(.failure(KafkaError(.delivery, "delivery to \(topic)", message.pointee.err)))
    }
}

/// Routes librdkafka's own log lines to the swift-log logger of the client that produced them.
///
/// Its lines go out at `.debug` (levels 0-2, emergencies, at `.error`): a broker that is down
/// makes librdkafka log every reconnect attempt, while this wrapper reports the failures that
/// matter to its callers as errors, and health checks report the broker's state.
/// `LOG_LEVEL=debug` shows them all.
func kafkaLogCallback(_ handle: OpaquePointer?, _ level: Int32, _ facility: UnsafePointer<CChar>?, _ text: UnsafePointer<CChar>?) {
    guard let handle, let opaque = rd_kafka_opaque(handle) else { return }
    let logger = Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue().logger
    let logLevel: Logger.Level = level <= 2 ? .error : .debug
    guard logger.logLevel <= logLevel else { return }
    logger.log(level: logLevel, "librdkafka: \(text.map { String(cString: $0) } ?? "")", metadata: [
        "facility": "\(facility.map { String(cString: $0) } ?? "")", "syslogLevel": "\(level)",
    ])
}

/// What librdkafka's callbacks need of a client, reached through the handle's opaque pointer:
/// its logger, and for consumers the rebalance events waiting to be handed to the caller.
final class ClientContext: Sendable {
    let logger: Logger
    let pendingRebalances = Mutex<[KafkaRebalance]>([])
    init(_ logger: Logger) { self.logger = logger }
}
