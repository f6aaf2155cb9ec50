import Aggregates
import Application
import EventStore
import Foundation
import PostgresNIO
import Projections
import Testing
import TestSupport
import Workers

@Suite("Read models never stay silently behind the store")
struct SafetyNetTests {
    let logger = TestEnvironment.logger

    @Test("with no consumer delivering anything, the safety net catches every read model up from $all, counts the heal, and the result equals a rebuild")
    func catchesUpWithoutAConsumer() async throws {
        try await withOrders(4, review: true) { client, store, events in
            var configuration = ReadModelSafetyNet.Configuration()
            configuration.checkInterval = .milliseconds(100)
            configuration.staleAfter = .milliseconds(500)
            // Only the safety net runs: no relay, no projector.
            try await withServices([ReadModelSafetyNet(store: store, projections: WorkerSet.projections, configuration: configuration, logger: logger)]) {
                try await waitUntil(timeout: .seconds(60), interval: .milliseconds(100)) { await PipelineCheck.caughtUp(store, through: events.last!.position, relay: nil) }
                // And its next round records everything as applied.
                try await waitUntil(timeout: .seconds(60), interval: .milliseconds(100)) {
                    var checked: [Int64] = []
                    for projection in WorkerSet.projections {
                        checked.append((try? await ProjectionHealth.standing(projection, client: client, logger: logger).checkedThrough) ?? 0)
                    }
                    return checked.allSatisfy { $0 == events.last!.position }
                }
            }
            for projection in WorkerSet.projections {
                let standing = try await ProjectionHealth.standing(projection, client: client, logger: logger)
                // Independently: the events of its categories and of the types it reads.
                let expected = events.filter { projection.categories.contains(String($0.category)) && !projection.ignoredEventTypes.contains($0.type) }.count
                #expect(expected > 0, "the history has events for \(projection.name)")
                #expect(standing.heals >= 1, "\(projection.name)")
                #expect(standing.eventsHealed == Int64(expected), "\(projection.name)")
                #expect(try await ProjectionStatus.eventsBehind(projection, client: client, logger: logger) == 0)
            }
            #expect(try await PipelineCheck.differencesFromRebuild(store).isEmpty)
        }
    }

    @Test("a read model receiving a stream's later events without the earlier ones fetches those from the store first, in order")
    func fillsStreamGaps() async throws {
        try await withOrders(3) { client, store, events in
            // Deliver only every stream's last event, as after a lost topic: nothing before it.
            let lastOfEachStream = Dictionary(grouping: events, by: \.stream).values.compactMap { $0.max { $0.version < $1.version } }
                .sorted { $0.position < $1.position }
            try await client.withTransaction(logger: logger) { connection in
                try await ProjectionApplier.apply(lastOfEachStream, to: WorkerSet.projections, on: connection, logger: logger)
            }
            for projection in WorkerSet.projections {
                #expect(try await ProjectionStatus.eventsBehind(projection, client: client, logger: logger) == 0, "\(projection.name)")
            }
            #expect(try await PipelineCheck.differencesFromRebuild(store).isEmpty)
        }
    }

    @Test("the gaps a batch leaves: between the version seen and the first received, above the watermark only")
    func streamGaps() throws {
        func event(_ stream: String, _ version: Int64, at position: Int64) throws -> RecordedEvent {
            RecordedEvent(position: position, stream: try StreamName(stream), version: version, id: UUID(), type: "Tested", schemaVersion: 1,
                          data: "{}", metadata: EventMetadata(), recordedAt: Date())
        }
        let batch = [try event("order-a", 5, at: 50), try event("order-a", 6, at: 51), try event("order-b", 2, at: 40), try event("order-c", 1, at: 60), try event("order-d", 3, at: 8)]
        let gaps = ProjectionApplier.streamGaps(in: batch, reached: ["order-a": 2, "order-b": 1], watermark: 10)
        #expect(gaps == [StreamGap(stream: "order-a", after: 2, before: 5)])
    }

    /// A fresh database with a catalog and `count` orders, and all its events.
    /// - Parameter review: a review as well, so that every read model has events to heal.
    private func withOrders(_ count: Int, review: Bool = false, _ body: (PostgresClient, PostgresEventStore, [RecordedEvent]) async throws -> Void) async throws {
        try await withTestDatabase { client, _ in
            let store = PostgresEventStore(client: client, logger: logger)
            let orders = OrderStream(store: store)
            try await orders.appendCatalog()
            try await orders.append(count)
            if review {
                let id = try ReviewID("rv-safety-net")
                let content = try ReviewContent(rating: 4, title: "Fine", body: "Works.")
                let events = try Review.decide(
                    .submit(id: id, productId: try ProductID("synthetic-0"), customerId: try CustomerID("customer-1"), orderId: nil, content: content, autoApprove: true),
                    Review.initialState, DecisionContext(now: Date())
                )
                try await store.append(events.map { AggregateRepository.newEvent($0, EventMetadata()) }, to: .of("review", id), expectedVersion: .noStream)
                let search = ActivityEvent.searchPerformed(SearchPerformed(
                    viewer: .guest("safety-net"), query: "tee", category: [], resultCount: 0, queryDigest: String(repeating: "ab", count: 16), filters: ["inStock"]
                ))
                try await store.append([AggregateRepository.newEvent(search, EventMetadata())], to: try StreamName(Activity.streamName(for: .guest("safety-net"))),
                                       expectedVersion: .noStream)
            }
            try await body(client, store, try await readEverything(store))
        }
    }
}
