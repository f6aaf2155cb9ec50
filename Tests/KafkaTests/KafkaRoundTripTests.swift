import Foundation
import Kafka
import Testing
import TestSupport

@Suite("Kafka wrapper against the real broker")
struct KafkaRoundTripTests {
    let configuration = TestEnvironment.kafkaConfiguration
    let logger = TestEnvironment.logger

    @Test("create a topic, produce, and consume the same bytes back")
    func roundTrip() async throws {
        let topic = TestEnvironment.uniqueName("roundtrip")
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        try await producer.createTopics([KafkaTopicSpec(name: topic, partitions: 3)])
        #expect(try await producer.metadata(timeout: .seconds(5)).topics[topic] == 3)

        let value: [UInt8] = Array("{\"hello\":\"kafka\"}".utf8) + [0, 255, 10]
        let sent = KafkaMessage(
            topic: topic, key: Array("cart-42".utf8), value: value,
            headers: [.init("ce_type", "CartCreated"), .init("binary", [1, 2, 3])]
        )
        let report = try await producer.send(sent)
        #expect(report.topic == topic)
        #expect(report.offset >= 0)
        await producer.close()

        let consumer = try KafkaConsumer(configuration: configuration, groupID: TestEnvironment.uniqueName("group"), logger: logger)
        try await consumer.subscribe(topics: [topic])
        let received = try await consumeAll(consumer, expecting: 1)
        await consumer.close()

        let message = try #require(received.first)
        #expect(received.count == 1)
        #expect(message.value == value)
        #expect(message.key == Array("cart-42".utf8))
        #expect(message.partition == report.partition)
        #expect(message.offset == report.offset)
        #expect(message.headers == sent.headers)
    }

    @Test("a batch keeps its order per key; an assigned partition starts at the caller's offset, not Kafka's")
    func orderedBatchAndManualOffsets() async throws {
        let topic = TestEnvironment.uniqueName("offsets")
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        try await producer.createTopics([KafkaTopicSpec(name: topic, partitions: 1)])
        let messages = (0..<10).map { KafkaMessage(topic: topic, key: Array("stream-1".utf8), value: Array("\($0)".utf8)) }
        let reports = try await producer.send(messages).map { try $0.get() }
        #expect(reports.map(\.offset) == Array(reports[0].offset..<reports[0].offset + 10), "delivered in the order sent")
        await producer.close()

        let consumer = try KafkaConsumer(configuration: configuration, groupID: TestEnvironment.uniqueName("group"), logger: logger)
        try await consumer.subscribe(topics: [topic])
        let start = reports[5].offset
        let received = try await consumeAll(consumer, expecting: 5, startingAt: ["\(topic)/0": start])
        await consumer.close()
        #expect(received.map { String(decoding: $0.value, as: UTF8.self) } == ["5", "6", "7", "8", "9"])
    }

    @Test("batches enqueued one after another keep their order in a partition, whichever's deliveries are awaited first")
    func enqueuedBatchesKeepTheirOrder() async throws {
        let topic = TestEnvironment.uniqueName("pipelined")
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        try await producer.createTopics([KafkaTopicSpec(name: topic, partitions: 1)])
        let batches = (0..<3).map { batch in (0..<20).map { KafkaMessage(topic: topic, key: Array("stream-1".utf8), value: Array("\(batch)-\($0)".utf8)) } }
        let deliveries = batches.map { producer.enqueue($0) }
        // The last batch's reports first: awaiting one batch does not wait on the others.
        var reports: [[KafkaDeliveryReport]] = []
        for batch in deliveries.reversed() { reports.insert(try await batch.results().map { try $0.get() }, at: 0) }
        #expect(deliveries.allSatisfy { $0.completedAt != nil })
        // Awaited again once every report is in, the results are the same.
        #expect(try await deliveries[0].results().map { try $0.get() } == reports[0])
        let offsets = reports.flatMap { $0.map(\.offset) }
        #expect(offsets == Array(offsets[0]..<offsets[0] + 60), "delivered in the order enqueued")
        #expect(await producer.enqueue([]).results().isEmpty)
        await producer.close()
    }

    @Test("an unreachable broker fails metadata with brokerUnreachable, within the timeout")
    func unreachableBroker() async throws {
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(bootstrapServers: "127.0.0.1:\(try closedPort())"), logger: logger
        )
        let error = await #expect(throws: KafkaError.self) {
            _ = try await producer.metadata(timeout: .seconds(1))
        }
        #expect(error?.code == .brokerUnreachable)
        await producer.close(timeout: .milliseconds(100))
    }
}

/// Polls until `count` messages arrived (or 60 s passed), assigning partitions as they come:
/// at `startingAt["topic/partition"]` when given, else from the beginning.
func consumeAll(_ consumer: KafkaConsumer, expecting count: Int, startingAt offsets: [String: Int64] = [:]) async throws -> [KafkaMessage] {
    var received: [KafkaMessage] = []
    let deadline = ContinuousClock.now + .seconds(60)
    while received.count < count, ContinuousClock.now < deadline {
        let batch = try await consumer.poll(timeout: .milliseconds(200))
        received += batch.messages
        for case .assigned(let partitions) in batch.rebalances {
            try await consumer.assign(partitions.map {
                KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: offsets["\($0.topic)/\($0.partition)"] ?? KafkaTopicPartitionOffset.beginning)
            })
        }
    }
    return received
}
