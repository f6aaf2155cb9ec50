import EventStore
import Foundation
import Kafka
import Logging
import Testing
import TestSupport
import Workers

@Suite("Relay: event store to Kafka")
struct RelayTests {
    let logger = TestEnvironment.logger

    func relayConfiguration(_ name: String, categories: [String]) -> EventRelay.Configuration {
        var configuration = EventRelay.Configuration()
        configuration.checkpointName = name
        configuration.categories = categories
        configuration.partitions = 3
        configuration.maximumBackoff = .milliseconds(500)
        return configuration
    }

    @Test("appended events reach their topics once each, keyed by stream, in stream order, as CloudEvents")
    func endToEnd() async throws {
        try await withTestDatabase { client, _ in
            let store = PostgresEventStore(client: client, logger: logger)
            // Categories of their own, so that parallel tests do not share topics.
            let tag = TestEnvironment.uniqueName("r").replacingOccurrences(of: "_", with: "")
            let carts = "cart\(tag)", orders = "order\(tag)"
            var appended: [UUID] = []
            for index in 0..<20 {
                let stream = try StreamName("\(index % 2 == 0 ? carts : orders)-\(index % 4)")
                let events = (0..<3).map { _ in NewEvent(type: "Tested", data: #"{"index":\#(index)}"#, metadata: EventMetadata(correlationID: UUID(), actor: "tester")) }
                try await store.append(events, to: stream, expectedVersion: .any)
                appended += events.map(\.id)
            }
            let relay = EventRelay(store: store, configuration: relayConfiguration("relay-\(tag)", categories: [carts, orders]), logger: logger) {
                try KafkaProducer(configuration: TestEnvironment.kafkaConfiguration, logger: TestEnvironment.logger)
            }
            let checkpointName = "relay-\(tag)"
            try await withRunning(relay) {
                try await waitUntil { (try? await store.checkpoint(of: checkpointName)) == 60 }
            }
            let received = try await consumeEvents(topics: [carts, orders].map { CloudEventMessage.topic(forCategory: $0) }, count: appended.count)
            #expect(received.count == appended.count)
            #expect(Set(received.map(\.event.id)) == Set(appended), "every event once")
            for message in received {
                #expect(message.kafka.key == Array(message.event.stream.rawValue.utf8))
                #expect(message.kafka.topic == "commerce.\(message.event.category)")
                #expect(message.kafka.header("ce_specversion")?.stringValue == "1.0")
                #expect(message.kafka.header("ce_dataschema")?.stringValue == "https://commerce.dev/schemas/events/Tested.v1.json")
                #expect(message.event.metadata.actor == "tester")
            }
            for (_, messages) in Dictionary(grouping: received, by: \.event.stream) {
                #expect(messages.map(\.event.version) == Array(1...Int64(messages.count)), "stream order")
            }
            #expect(try await store.checkpoint(of: "relay-\(tag)") == 60)
        }
    }

    @Test("an event committed in the caller's transaction is published at once, not after the relay's idle poll")
    func publishesCallerTransactionAtOnce() async throws {
        try await withTestDatabase { client, _ in
            let store = PostgresEventStore(client: client, logger: logger)
            let tag = TestEnvironment.uniqueName("rt").replacingOccurrences(of: "_", with: "")
            let carts = "cart\(tag)"
            var configuration = relayConfiguration("relay-\(tag)", categories: [carts])
            // Only a wake-up can get the event out within the test's time.
            configuration.idlePoll = .seconds(600)
            let relay = EventRelay(store: store, configuration: configuration, logger: logger) {
                try KafkaProducer(configuration: TestEnvironment.kafkaConfiguration, logger: TestEnvironment.logger)
            }
            let makeEvent = { (type: String) in NewEvent(type: type, data: "{}", metadata: EventMetadata(correlationID: UUID(), actor: "tester")) }
            try await withRunning(relay) {
                try await store.append([makeEvent("First")], to: try StreamName("\(carts)-1"), expectedVersion: .any)
                try await waitUntil { (try? await store.checkpoint(of: "relay-\(tag)")) == 1 }
                // The relay is woken while the transaction is open (by an append elsewhere), finds
                // the frontier held back, and waits; the commit must wake it again.
                try await client.withTransaction(logger: logger) { connection in
                    try await store.append([StreamAppend(stream: try StreamName("\(carts)-2"), expectedVersion: .any, events: [makeEvent("InTransaction")])], on: connection)
                    try await store.append([makeEvent("Meanwhile")], to: try StreamName("\(carts)-3"), expectedVersion: .any)
                    try await Task.sleep(for: .milliseconds(200))
                }
                store.appendsCommitted()
                try await waitUntil { (try? await store.checkpoint(of: "relay-\(tag)")) == 3 }
            }
            let received = try await consumeEvents(topics: [CloudEventMessage.topic(forCategory: carts)], count: 3)
            #expect(Set(received.map(\.event.type)) == ["First", "InTransaction", "Meanwhile"])
        }
    }

    @Test("the worker set's relay creates each topic with the partitions it is given (KAFKA_PARTITIONS)")
    func workerSetPartitions() async throws {
        try await withTestDatabase { client, url in
            let store = PostgresEventStore(client: client, logger: logger)
            let prefix = TestEnvironment.uniqueName("parts").replacingOccurrences(of: "_", with: "-")
            let services = WorkerSet.services(store: store, database: url, kafka: TestEnvironment.kafkaConfiguration, topicPrefix: prefix, partitions: 2, relay: true, projector: false, logger: logger)
            let producer = try KafkaProducer(configuration: TestEnvironment.kafkaConfiguration, logger: logger)
            let topic = CloudEventMessage.topic(forCategory: "order", prefix: prefix)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for service in services { group.addTask { try await service.run() } }
                defer { group.cancelAll() }
                try await waitUntil { (try? await producer.metadata(timeout: .seconds(2)).topics[topic]) != nil }
            }
            let topics = try await producer.metadata(timeout: .seconds(2)).topics.filter { $0.key.hasPrefix(prefix + ".") }
            await producer.close()
            #expect(topics[topic] == 2)
            #expect(!topics.isEmpty && topics.values.allSatisfy { $0 == 2 }, "\(topics)")
        }
    }

    @Test("broker stopped during appends, then restarted empty: the relay notices the lost topic and republishes it, every stream in order", .enabled(if: DedicatedBroker.binary != nil))
    func brokerRestart() async throws {
        let broker = try DedicatedBroker()
        try await broker.start()
        // The producer's own timeouts, as in production: the relay must notice the outage and its end by itself.
        let kafka = KafkaConfiguration(bootstrapServers: broker.bootstrapServers, properties: ["session.timeout.ms": "3000", "heartbeat.interval.ms": "500"])
        try await withTestDatabase { client, _ in
            let store = PostgresEventStore(client: client, logger: logger)
            let relay = EventRelay(store: store, configuration: relayConfiguration("relay-restart", categories: ["cart"]), logger: logger) {
                try KafkaProducer(configuration: kafka, logger: TestEnvironment.logger)
            }
            var appended: [UUID] = []
            func appendSome(_ count: Int) async throws {
                for index in 0..<count {
                    let events = [NewEvent(type: "Tested", data: #"{"n":\#(index)}"#)]
                    try await store.append(events, to: try StreamName("cart-\(index % 5)"), expectedVersion: .any)
                    appended += events.map(\.id)
                }
            }
            try await withRunning(relay) {
                try await appendSome(30)
                try await waitUntil { (try? await store.checkpoint(of: "relay-restart")) == 30 }
                await broker.stop()
                try await appendSome(30)  // commands keep succeeding while the broker is down
                try await Task.sleep(for: .seconds(1))
                try await broker.start()  // empty: the relay must recreate the topic and republish what it held
                // Within 30 s of the broker's return (librdkafka's defaults took 5½ minutes).
                try await waitUntil(timeout: .seconds(30)) { (try? await store.checkpoint(of: "relay-restart")) == 60 }
                try await waitUntil(timeout: .seconds(30)) {
                    (try? await RelayTopicLosses.all(client: client, logger: logger))?.first?.completedAt != nil
                }
            }
            let losses = try await RelayTopicLosses.all(client: client, logger: logger)
            #expect(losses.count == 1)
            #expect(losses.first?.topic == "commerce.cart")
            #expect(losses.first?.lostThrough ?? 0 >= 30, "the first 30 were confirmed before the outage")
            // Everything is on the new topic: the 30 the broker lost, republished, and the 30 after.
            let wanted = Set(appended)
            let received = try await consumeMessages(topics: ["commerce.cart"], kafka: kafka) { messages in
                wanted.isSubset(of: Set(messages.compactMap { CloudEventMessage.event(from: $0)?.id }))
            }.compactMap(CloudEventMessage.event(from:))
            #expect(Set(received.map(\.id)) == wanted)
            // Each stream in order: a copy may repeat a version already seen, never come before it.
            for (_, events) in Dictionary(grouping: received, by: \.stream) {
                var seen: Int64 = 0
                for event in events where event.version > seen {
                    #expect(event.version == seen + 1, "stream \(event.stream) jumps from \(seen) to \(event.version)")
                    seen = event.version
                }
            }
        }
        await broker.stop()
    }
}

struct ReceivedEvent: Sendable {
    let kafka: KafkaMessage
    let event: RecordedEvent
}

/// Runs a service while `body` runs, then cancels it.
func withRunning<T: Sendable>(_ relay: EventRelay, _ body: () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await relay.run() }
        defer { group.cancelAll() }
        return try await body()
    }
}

/// Consumes `topics` from the beginning until `count` events arrived (60 s at most).
func consumeEvents(topics: [String], count: Int, kafka: KafkaConfiguration = TestEnvironment.kafkaConfiguration) async throws -> [ReceivedEvent] {
    try await consumeMessages(topics: topics, count: count, kafka: kafka).compactMap { message in
        CloudEventMessage.event(from: message).map { ReceivedEvent(kafka: message, event: $0) }
    }
}
