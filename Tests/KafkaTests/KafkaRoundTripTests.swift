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
        var received: [KafkaMessage] = []
        for _ in 0..<60 where received.isEmpty {
            received += try await consumer.poll(timeout: .milliseconds(500))
        }
        await consumer.close()

        let message = try #require(received.first)
        #expect(received.count == 1)
        #expect(message.value == value)
        #expect(message.key == Array("cart-42".utf8))
        #expect(message.partition == report.partition)
        #expect(message.offset == report.offset)
        #expect(message.headers == sent.headers)
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
