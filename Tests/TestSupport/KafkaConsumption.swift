import Foundation
import Kafka

/// Consumes `topics` from the beginning, as a fresh consumer group, until `count` messages
/// arrived (60 s at most).
public func consumeMessages(topics: [String], count: Int, kafka: KafkaConfiguration = TestEnvironment.kafkaConfiguration) async throws -> [KafkaMessage] {
    try await consumeMessages(topics: topics, kafka: kafka) { $0.count >= count }
}

/// Consumes `topics` from the beginning, as a fresh consumer group, until `done` says so of what
/// arrived (60 s at most).
public func consumeMessages(topics: [String], kafka: KafkaConfiguration = TestEnvironment.kafkaConfiguration, until done: ([KafkaMessage]) -> Bool) async throws -> [KafkaMessage] {
    let consumer = try KafkaConsumer(configuration: kafka, groupID: TestEnvironment.uniqueName("check"), logger: TestEnvironment.logger)
    try await consumer.subscribe(topics: topics)
    var received: [KafkaMessage] = []
    let deadline = ContinuousClock.now + .seconds(60)
    while !done(received), ContinuousClock.now < deadline {
        let batch = try await consumer.poll(timeout: .milliseconds(200))
        received += batch.messages
        for case .assigned(let partitions) in batch.rebalances {
            try await consumer.assign(partitions.map { KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: KafkaTopicPartitionOffset.beginning) })
        }
    }
    await consumer.close()
    return received
}
