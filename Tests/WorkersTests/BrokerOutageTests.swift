import Aggregates
import Application
import EventStore
import Foundation
import Kafka
import PostgresNIO
import Projections
import ServiceLifecycle
import Testing
import TestSupport
import Workers

/// The whole pipeline — relay, projector, safety net — on a broker of the test's own, which the
/// test stops and starts again (in-memory: it comes back with no topics), or whose topic it
/// deletes and recreates, while orders keep being appended.
@Suite("Broker outages and lost topics: the pipeline heals by itself")
struct BrokerOutageTests {
    let logger = TestEnvironment.logger

    @Test("broker stopped during a stream of orders (5 s and 60 s): within 30 s of its return the relay is at the store's head and every read model equals a rebuild",
          .enabled(if: DedicatedBroker.binary != nil), arguments: [5, 60])
    func brokerStopped(seconds: Int) async throws {
        let broker = try DedicatedBroker()
        try await broker.start()
        try await withPipeline(broker) { store, orders in
            let relay = EventRelay.Configuration().checkpointName
            let published = try await store.checkpoint(of: relay)
            await broker.stop()
            try await Task.sleep(for: .seconds(seconds))
            try await broker.start()
            let returned = ContinuousClock.now
            let appended = try await store.frontierStatus().safePosition
            try await waitUntil(timeout: .seconds(30), interval: .milliseconds(100)) { ((try? await store.checkpoint(of: relay)) ?? 0) > published }
            let resumed = ContinuousClock.now - returned
            // Orders keep coming meanwhile: everything appended until the return must get through.
            try await waitUntil(timeout: .seconds(30), interval: .milliseconds(250)) { await PipelineCheck.caughtUp(store, through: appended) }
            print("broker back after \(seconds) s: relay publishing again \(resumed) later, pipeline caught up \(ContinuousClock.now - returned) later; \(await orders.count) orders appended meanwhile")
            let losses = try await RelayTopicLosses.all(client: store.client, logger: logger)
            #expect(!losses.isEmpty, "the broker came back empty: the relay must have found its topics lost")
        }
        await broker.stop()
    }

    @Test("a topic deleted and created again under the projector: the relay republishes it, and every read model equals a rebuild",
          .enabled(if: DedicatedBroker.binary != nil))
    func topicRecreated() async throws {
        let broker = try DedicatedBroker()
        try await broker.start()
        try await withPipeline(broker) { store, _ in
            let admin = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: broker.bootstrapServers), logger: logger)
            try await admin.deleteTopics(["commerce.order"])
            try await admin.createTopics([KafkaTopicSpec(name: "commerce.order", partitions: 6, replicationFactor: 1)])
            await admin.close()
            let appended = try await store.frontierStatus().safePosition
            try await waitUntil(timeout: .seconds(30), interval: .milliseconds(250)) {
                let losses = (try? await RelayTopicLosses.all(client: store.client, logger: logger)) ?? []
                return losses.contains { $0.topic == "commerce.order" && $0.completedAt != nil }
            }
            try await waitUntil(timeout: .seconds(30), interval: .milliseconds(250)) { await PipelineCheck.caughtUp(store, through: appended) }
        }
        await broker.stop()
    }

    /// Runs relay, projector and safety net on `broker` over a fresh database with a catalog,
    /// appends orders all along `body`, and after it checks every read model against a rebuild.
    private func withPipeline(_ broker: DedicatedBroker, _ body: (PostgresEventStore, OrderStream) async throws -> Void) async throws {
        let kafka = KafkaConfiguration(bootstrapServers: broker.bootstrapServers, properties: ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"])
        try await withTestDatabase(maximumConnections: 30) { client, url in
            let store = PostgresEventStore(client: client, logger: logger)
            let orders = OrderStream(store: store)
            try await orders.appendCatalog()
            var safetyNet = ReadModelSafetyNet.Configuration()
            safetyNet.staleAfter = .seconds(5)
            let services = WorkerSet.services(store: store, database: url, kafka: kafka, relay: true, projector: true, safetyNet: safetyNet, logger: logger)
            try await withServices(services) {
                try await orders.append(5)
                try await waitUntil(timeout: .seconds(60), interval: .milliseconds(250)) { await PipelineCheck.caughtUp(store) }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await orders.keepAppending(every: .milliseconds(150)) }
                    defer { group.cancelAll() }
                    try await body(store, orders)
                }
                // The last orders appended reach the read models too.
                try await waitUntil(timeout: .seconds(30), interval: .milliseconds(250)) { await PipelineCheck.caughtUp(store) }
            }
            let differing = try await PipelineCheck.differencesFromRebuild(store)
            #expect(differing.isEmpty, "\(differing.mapValues { $0.tables.filter { !$0.isEmpty }.map { "\($0.table): \($0.onlyLive) only live, \($0.onlyReplay) only rebuilt; \($0.liveSamples) vs \($0.replaySamples)" } })")
        }
    }
}

/// Orders from a synthetic history, appended as checkout would append them.
actor OrderStream {
    let store: PostgresEventStore
    private var history = SyntheticHistory(seed: 21, start: Date().addingTimeInterval(-3_600))
    private(set) var count = 0

    init(store: PostgresEventStore) {
        self.store = store
    }

    func appendCatalog() async throws {
        for append in try history.catalog(products: 6) { try await store.append([try append.streamAppend()]) }
    }

    func append(_ orders: Int) async throws {
        for _ in 0..<orders {
            for append in try history.order() { try await store.append([try append.streamAppend()]) }
            count += 1
        }
    }

    /// Until cancelled.
    func keepAppending(every interval: Duration) async throws {
        while !Task.isCancelled {
            try await append(1)
            try await Task.sleep(for: interval)
        }
    }
}
