import API
import EventStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Kafka
import Payments
import PostgresNIO
import Projections
import Testing
import TestSupport
import Workers

/// The server with every worker on a PostgreSQL cluster of the test's own, which the test stops
/// for 10 s while clients keep sending commands.
@Suite("PostgreSQL outage under HTTP load")
struct DatabaseOutageTests {
    let logger = TestEnvironment.logger

    /// One command's answer, and how long it took.
    struct Outcome: Sendable {
        let status: HTTPResponse.Status?
        let code: String?
        let cart: String?
        let seconds: Double
    }

    @Test("PostgreSQL stopped for 10 s during a stream of HTTP commands: each answered 2xx or 503 within its timeout, readiness names postgres, every 2xx command stored, read models equal a rebuild",
          .enabled(if: DedicatedBroker.binary != nil))
    func postgresStopped() async throws {
        let postgres = DedicatedPostgres()
        let broker = try DedicatedBroker()
        try await postgres.start()
        try await broker.start()
        defer { Task { await broker.stop() } }
        do {
            try await run(postgres: postgres, broker: broker)
        } catch {
            await postgres.remove()
            throw error
        }
        await postgres.remove()
    }

    private func run(postgres: DedicatedPostgres, broker: DedicatedBroker) async throws {
        let url = try postgres.url
        let kafka = KafkaConfiguration(bootstrapServers: broker.bootstrapServers, properties: ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"])
        try await PostgresClient.withClient(url, maximumConnections: 30, logger: logger) { client in
            _ = try await Migrator(client: client, logger: logger).migrate(try Migration.load(from: TestEnvironment.migrationsDirectory))
            let store = PostgresEventStore(client: client, logger: logger)
            let availability = DatabaseAvailability(url: url, interval: .milliseconds(250), logger: logger)
            let app = buildApplication(
                configuration: .init(port: 0, tokenSecret: APIClient.secret, bcryptCost: 4),
                dependencies: APIDependencies(
                    postgres: client,
                    services: [availability] + WorkerSet.services(store: store, database: url, kafka: kafka, relay: true, projector: true, logger: logger),
                    webhookSignature: WebhookSignature(secret: APIClient.webhookSecret),
                    databaseAvailability: availability
                ),
                logger: logger
            )
            try await app.test(.live) { testClient in
                let api = APIClient(client: testClient)
                let outcomes = LockedBox<[Outcome]>([])
                let stop = LockedBox(false)
                var readiness: APIClient.Answer?
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<4 {
                        group.addTask {
                            while !stop.value {
                                let outcome = await Self.createCart(api)
                                outcomes.withLock { $0.append(outcome) }
                                // As a client honouring Retry-After would, if less patiently.
                                if outcome.status == .serviceUnavailable { try await Task.sleep(for: .milliseconds(100)) }
                            }
                        }
                    }
                    try await Task.sleep(for: .seconds(2))
                    try await postgres.stop()
                    try await Task.sleep(for: .seconds(3))
                    readiness = try await api.call(.get, "/health/ready")
                    try await Task.sleep(for: .seconds(7))
                    try await postgres.start()
                    try await Task.sleep(for: .seconds(6))
                    stop.withLock { $0 = true }
                    try await group.waitForAll()
                }
                let all = outcomes.value
                let slowest = all.map(\.seconds).max() ?? 0
                print("\(all.count) commands: \(all.filter { $0.status == .created }.count) created, \(all.filter { $0.status == .serviceUnavailable }.count) answered 503; slowest answer \(slowest) s")
                #expect(all.allSatisfy { $0.status == .created || $0.status == .serviceUnavailable }, "\(Set(all.map { "\($0.status.map { "\($0.code)" } ?? "no answer") \($0.code ?? "")" }))")
                #expect(all.filter { $0.status == .serviceUnavailable }.allSatisfy { $0.code == "database_unavailable" })
                #expect(all.contains { $0.status == .serviceUnavailable }, "the outage was seen")
                #expect(all.suffix(8).allSatisfy { $0.status == .created }, "commands succeed again after the database is back")
                #expect(readiness?.status == .serviceUnavailable)
                #expect((readiness?["down"] as? [any Sendable])?.contains { $0 as? String == "postgres" } == true)
                for cart in all.compactMap(\.cart) {
                    #expect(try await store.version(of: try StreamName("cart-\(cart)")) >= 1, "cart \(cart) answered 201 is stored")
                }
                // The workers paused through the outage and went on by themselves.
                try await waitUntil(timeout: .seconds(60), interval: .milliseconds(250)) { await PipelineCheck.caughtUp(store) }
            }
            #expect(try await PipelineCheck.differencesFromRebuild(store).isEmpty)
        }
    }

    /// `POST /carts` as a guest, with a deadline of its own: a request that hangs fails the test.
    static func createCart(_ api: APIClient) async -> Outcome {
        let started = ContinuousClock.now
        let answer = try? await withTimeout(.seconds(15)) { try await api.call(.post, "/carts", body: ["currency": "EUR"]) }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Outcome(status: answer?.status, code: answer?.code, cart: answer?.status == .created ? answer?.string("id") : nil, seconds: seconds)
    }
}
