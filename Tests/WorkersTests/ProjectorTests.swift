import Aggregates
import EventStore
import Foundation
import Kafka
import Logging
import PostgresNIO
import Projections
import Testing
import TestSupport
import ServiceLifecycle
import Workers

/// Relay and projector together, on a broker of their own (the real topic names are shared).
@Suite("Projector: Kafka to read models", .enabled(if: DedicatedBroker.binary != nil))
struct ProjectorTests {
    let logger = TestEnvironment.logger
    let projections: [any Projection] = [CatalogProjection(), OrderHistoryProjection()]

    func kafka(_ broker: DedicatedBroker) -> KafkaConfiguration {
        KafkaConfiguration(bootstrapServers: broker.bootstrapServers, properties: ["session.timeout.ms": "3000", "heartbeat.interval.ms": "500"])
    }

    /// What the relay's and the projector's hooks reported: (positions, earlier instant, later instant).
    typealias Reports = LockedBox<[([Int64], ContinuousClock.Instant, ContinuousClock.Instant)]>

    func relay(_ store: PostgresEventStore, _ broker: DedicatedBroker, published: Reports? = nil) -> EventRelay {
        var configuration = EventRelay.Configuration()
        configuration.partitions = 3
        if let published { configuration.published = { positions, read, confirmed in published.withLock { $0.append((positions, read, confirmed)) } } }
        let kafka = kafka(broker)
        return EventRelay(store: store, configuration: configuration, logger: logger) {
            try KafkaProducer(configuration: kafka, logger: TestEnvironment.logger)
        }
    }

    func projector(_ client: PostgresClient, _ broker: DedicatedBroker, projections: [any Projection]? = nil, applied: Reports? = nil) -> Projector {
        let kafka = kafka(broker)
        var configuration = Projector.Configuration()
        if let applied { configuration.applied = { _, positions, polled, committed in applied.withLock { $0.append((positions, polled, committed)) } } }
        return Projector(client: client, projections: projections ?? self.projections, configuration: configuration, logger: logger) { group in
            try KafkaConsumer(configuration: kafka, groupID: group, logger: TestEnvironment.logger)
        }
    }

    @Test("events appended to the store show in the catalog and the order history")
    func endToEnd() async throws {
        let broker = try DedicatedBroker()
        try await broker.start()
        try await withTestDatabase { client, _ in
            let store = PostgresEventStore(client: client, logger: logger)
            try await appendCatalogAndOrders(store, products: 3)
            // One event of a watched trace: the relay's and the projector's batch spans link to it.
            let trace = UUID()
            TestTracing.watch(trace)
            let (created, _) = try Product.handle(
                .create(id: try ProductID("traced"), name: "Traced", description: "Traced", categoryPath: ["Apparel"]), Product.initialState, DecisionContext(now: Date())
            )
            let encoded = EventCodec.encode(try #require(created.first))
            let traced = NewEvent(type: encoded.type, schemaVersion: Int32(encoded.schemaVersion), data: encoded.json, metadata: EventMetadata(correlationID: trace))
            try await store.append([traced], to: try StreamName("product-traced"), expectedVersion: .noStream)
            let published = Reports([])
            let applied = Reports([])
            try await withServices([relay(store, broker, published: published), projector(client, broker, applied: applied)]) {
                // Each topic is consumed on its own: the inventory one may finish after the orders.
                // (Seconds alone; the bound is for a suite sharing two cores with other brokers.)
                try await waitUntil(timeout: .seconds(90)) {
                    let paid = try? await count("SELECT count(*) FROM order_history WHERE status = 'paid'", client)
                    let stocked = try? await count("SELECT count(*) FROM catalog_variants WHERE on_hand = 10 AND available = 8 AND prices->>'EUR' = '2500'", client)
                    return paid == 3 && stocked == 3
                }
                let eventSpan = TraceParent(traceID: trace, parentID: TraceParent.spanID(of: traced.id)).header
                try await waitUntil(timeout: .seconds(30)) {
                    let names = TestTracing.spans(of: trace).filter { $0.links.map(\.header).contains(eventSpan) }.map(\.operationName)
                    return names.contains("relay publish") && names.contains { $0.hasPrefix("project ") }
                }
            }
            // The hooks the lag bench times its stages with: every stored event published, each
            // projected one applied, instants in order.
            let stored = try await client.query("SELECT global_position, stream_category FROM events").decode((Int64, String).self).collectAll()
            let projected = Set(projections.flatMap(\.categories))
            let publishedPositions = published.withLock { $0.flatMap(\.0) }
            let appliedPositions = applied.withLock { $0.flatMap(\.0) }
            #expect(Set(publishedPositions) == Set(stored.map(\.0)))
            #expect(Set(appliedPositions) == Set(stored.filter { projected.contains($0.1) }.map(\.0)))
            #expect(published.withLock { $0 }.allSatisfy { $0.1 <= $0.2 } && applied.withLock { $0 }.allSatisfy { $0.1 <= $0.2 })
            let products = try await client.query("SELECT product_id, status, category_path FROM catalog_products WHERE product_id <> 'traced' ORDER BY product_id")
                .decode((String, String, [String]).self).collectAll()
            #expect(products.map(\.0) == ["prod-0", "prod-1", "prod-2"])
            #expect(products.allSatisfy { $0.1 == "published" && $0.2 == ["Apparel", "Shirts"] })
            let variants = try await client.query("SELECT sku, product_id, (prices->>'EUR')::bigint, on_hand, available FROM catalog_variants ORDER BY sku")
                .decode((String, String?, Int64?, Int32, Int32).self).collectAll()
            #expect(variants.count == 3)
            #expect(variants.allSatisfy { $0.2 == 2500 && $0.3 == 10 && $0.4 == 8 && $0.1 != nil })
            let timeline = try await client.query("SELECT step->>'status' FROM order_history, json_array_elements(timeline) step WHERE order_id = 'ord-1'")
                .decode(String.self).collectAll()
            #expect(timeline == ["placed", "paid"])
            let found = try await client.query("SELECT product_id FROM catalog_products WHERE search @@ plainto_tsquery('simple', 'tee 1')")
                .decode(String.self).collectAll()
            #expect(found == ["prod-1"])
        }
        await broker.stop()
    }

    @Test("two projectors in one group build the same read model as the events applied straight from the store")
    func twoProjectorsShareTheWork() async throws {
        let broker = try DedicatedBroker()
        try await broker.start()
        try await withTestDatabase { client, _ in
            let store = PostgresEventStore(client: client, logger: logger)
            try await appendCatalogAndOrders(store, products: 24)
            try await withReadModelAppliedStraight(from: store, projections) { direct in
                // Until every partition is through: the order topic may finish before the others.
                try await withServices([relay(store, broker), projector(client, broker), projector(client, broker)]) {
                    try await waitUntil(timeout: .seconds(60)) { (try? await readModel(client)) == direct }
                }
                expectSame(direct, try await readModel(client))
            }
            let partitions = try await count("SELECT count(DISTINCT (topic, partition)) FROM projection_offsets WHERE next_offset > 0", client)
            #expect(partitions > 1, "the work was spread over partitions")
        }
        await broker.stop()
    }
}

extension ProjectorTests {
    @Test("the shoppers' read models commit first: with analytics' tables locked, the catalog and the order history fill while the offsets wait for analytics")
    func shoppersReadModelsCommitFirst() async throws {
        let broker = try DedicatedBroker()
        try await broker.start()
        let projections: [any Projection] = [CatalogProjection(), OrderHistoryProjection(), AnalyticsProjection()]
        try await withTestDatabase { client, _ in
            let store = PostgresEventStore(client: client, logger: logger)
            try await appendCatalogAndOrders(store, products: 6)
            try await withReadModelAppliedStraight(from: store, projections) { direct in
                try await client.withConnection { locking in
                    // Taken before the projector starts: analytics' stage waits for it, holding the
                    // batch's offsets and the next poll back.
                    try await locking.execute("BEGIN")
                    try await locking.execute(PostgresQuery(unsafeSQL: "LOCK TABLE \(AnalyticsProjection().tables.joined(separator: ", ")) IN ACCESS EXCLUSIVE MODE"))
                    try await withServices([relay(store, broker), projector(client, broker, projections: projections)]) {
                        try await waitUntil(timeout: .seconds(60)) {
                            let shown = try? await count("(SELECT count(*) FROM catalog_variants) + (SELECT count(*) FROM order_history)", client)
                            return (shown ?? 0) > 0
                        }
                        #expect(try await count("SELECT count(*) FROM projection_stream_versions WHERE projection = 'analytics'", client) == 0)
                        #expect(try await count("SELECT count(*) FROM projection_offsets", client) == 0, "no offset advances before the last stage commits")
                        try await locking.execute("COMMIT")
                        try await waitUntil(timeout: .seconds(60)) { (try? await readModel(client)) == direct }
                    }
                }
                expectSame(direct, try await readModel(client))
                let applied = try await count("SELECT count(*) FROM projection_stream_versions WHERE projection = 'analytics'", client)
                #expect(applied > 0)
            }
        }
        await broker.stop()
    }
}

/// For each product: created, variant, price, published, 10 received, 2 reserved; an order placed and paid.
/// `products` published products with stock and a paid order each; names start with `prefix` when given.
func appendCatalogAndOrders(_ store: PostgresEventStore, products: Int, prefix: String = "") async throws {
    let lead = prefix.isEmpty ? "" : "\(prefix)-"
    func encode(_ event: some DomainEvent) -> NewEvent {
        let encoded = EventCodec.encode(event)
        return NewEvent(type: encoded.type, schemaVersion: Int32(encoded.schemaVersion), data: encoded.json)
    }
    let now = Date()
    for index in 0..<products {
        let product = try ProductID("\(lead)prod-\(index)")
        let sku = try SKU("\(lead)SKU-\(index)")
        let order = try OrderID("\(lead)ord-\(index)")
        var productState = Product.initialState
        var productEvents: [NewEvent] = []
        for command: Product.Command in [
            .create(id: product, name: "Tee \(index)", description: "Organic", categoryPath: ["Apparel", "Shirts"]),
            .addVariant(sku: sku, attributes: ["size": "M"]), .setPrice(sku: sku, price: Money(2500, .EUR)), .publish,
        ] {
            let (events, next) = try Product.handle(command, productState, DecisionContext(now: now))
            productState = next
            productEvents += events.map(encode)
        }
        try await store.append(productEvents, to: try StreamName("product-\(product)"), expectedVersion: .noStream)

        var stock = Inventory.initialState
        var stockEvents: [NewEvent] = []
        for command: Inventory.Command in [.receive(sku: sku, quantity: 10), .reserve(sku: sku, orderId: order, quantity: 2, expiresAt: now.addingTimeInterval(900))] {
            let (events, next) = try Inventory.handle(command, stock, DecisionContext(now: now))
            stock = next
            stockEvents += events.map(encode)
        }
        try await store.append(stockEvents, to: try StreamName("inventory-\(sku)"), expectedVersion: .noStream)

        var checkout = CartCheckedOut.sample
        checkout.orderId = order
        let placed = try Order.decide(.place(id: order, checkout: checkout), Order.initialState, DecisionContext(now: now))
        let paid = try Order.decide(.markPaid(paymentId: try PaymentID("\(lead)pay-\(index)"), amount: checkout.totals.total), Order.fold(placed), DecisionContext(now: now))
        try await store.append((placed + paid).map(encode), to: try StreamName("order-\(order)"), expectedVersion: .noStream)
    }
}

/// Runs `body` with the read model (``readModel(_:)``) that `projections` build from every event
/// of `store` applied straight, in a fresh database: the reference a projector's must equal.
func withReadModelAppliedStraight(from store: PostgresEventStore, _ projections: [any Projection], _ body: ([String]) async throws -> Void) async throws {
    let events = try await readEverything(store)
    try await withTestDatabase { reference, _ in
        _ = try await reference.withTransaction(logger: TestEnvironment.logger) { connection in
            try await ProjectionApplier.apply(events, to: projections, on: connection, logger: TestEnvironment.logger)
        }
        try await body(try await readModel(reference))
    }
}

func expectSame(_ direct: [String], _ viaKafka: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(direct == viaKafka, "only in Kafka's: \(Set(viaKafka).subtracting(direct).sorted().prefix(3)); only in the direct: \(Set(direct).subtracting(viaKafka).sorted().prefix(3))", sourceLocation: sourceLocation)
}

/// The read-model tables as comparable text.
func readModel(_ client: PostgresClient) async throws -> [String] {
    var rows: [String] = []
    for table in WorkerSet.projections.flatMap(\.tables) {
        // Every column but `changed`: when the row was last written, not what it holds.
        rows += try await client.query(PostgresQuery(unsafeSQL: "SELECT (to_jsonb(t) - 'changed')::text FROM \(table) t ORDER BY 1")).decode(String.self).collectAll()
    }
    return rows
}

func count(_ sql: String, _ client: PostgresClient) async throws -> Int {
    try await client.query(PostgresQuery(unsafeSQL: "SELECT (\(sql))::int")).decode(Int.self).collectAll()[0]
}
