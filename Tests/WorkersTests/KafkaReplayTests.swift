import EventStore
import Foundation
import Kafka
import Testing
import TestSupport
import Workers

@Suite("Replay to Kafka: a range republished for a consumer that lost data")
struct KafkaReplayTests {
    @Test("a fresh consumer of the republished range sees exactly the stored events, in order per stream, with the same ce_ids")
    func republishedRange() async throws {
        try await withTestDatabase { client, _ in
            let store = PostgresEventStore(client: client, logger: TestEnvironment.logger)
            let tag = TestEnvironment.uniqueName("k").replacingOccurrences(of: "_", with: "")
            let carts = "cart\(tag)", orders = "order\(tag)"
            for index in 0..<30 {
                let stream = try StreamName("\(index % 3 == 0 ? orders : carts)-\(index % 5)")
                try await store.append([NewEvent(type: "Tested", data: #"{"index":\#(index)}"#, metadata: EventMetadata(correlationID: UUID(), actor: "tester"))],
                                       to: stream, expectedVersion: .any)
            }
            let stored = try await readEverything(store)
            // Positions 6…25 of the carts only, to topics of a prefix of their own.
            let expected = stored.filter { (6...25).contains($0.position) && $0.category == carts }
            let prefix = "replay\(tag)"
            let producer = try KafkaProducer(configuration: TestEnvironment.kafkaConfiguration, logger: TestEnvironment.logger)
            // What was sent: exactly the range (the report counts each message handed to the broker).
            let report = try await KafkaReplay(store: store, producer: producer, partitions: 3, logger: TestEnvironment.logger)
                .run(KafkaReplay.Range(fromPosition: 6, toPosition: 25, category: carts, topicPrefix: prefix))
            #expect(report.events == expected.count)
            let topics: [String: Int] = ["\(prefix).\(carts)": expected.count]
            #expect(report.topics == topics)

            let received = try await consumeEvents(topics: ["\(prefix).\(carts)"], count: expected.count)
            let receivedIDs: Set<UUID> = Set(received.map(\.event.id))
            let expectedIDs: Set<UUID> = Set(expected.map(\.id))
            #expect(receivedIDs == expectedIDs)
            #expect(received.count == expected.count)
            await producer.close()
            for (stream, messages) in Dictionary(grouping: received, by: \.event.stream) {
                let storedVersions: [Int64] = expected.filter { $0.stream == stream }.map(\.version)
                let receivedVersions: [Int64] = messages.map(\.event.version)
                #expect(receivedVersions == storedVersions, "stream order of \(stream)")
            }
            let byID = Dictionary(uniqueKeysWithValues: expected.map { ($0.id, $0) })
            for message in received {
                let original = try #require(byID[message.event.id])
                let relayed = CloudEventMessage.message(for: original, topicPrefix: prefix)
                #expect(message.kafka.key == relayed.key)
                #expect(message.kafka.value == relayed.value)
                let receivedHeaders: [KafkaMessage.Header] = message.kafka.headers
                #expect(receivedHeaders == relayed.headers)
            }
        }
    }
}
