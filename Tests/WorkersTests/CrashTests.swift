import EventStore
import Foundation
import Kafka
import PostgresNIO
import Projections
import Testing
import TestSupport
import Workers

/// The workers as separate `commerce worker` processes, killed with SIGKILL mid-way and restarted.
@Suite("Workers killed with SIGKILL", .enabled(if: DedicatedBroker.binary != nil && TestEnvironment.commerceExecutable != nil))
struct CrashTests {
    func startWorker(_ flag: String, database: DatabaseURL, broker: DedicatedBroker) throws -> Process {
        try startCommerceWorker([flag], environment: ["DATABASE_URL": database.urlString, "KAFKA_BROKERS": broker.bootstrapServers, "LOG_LEVEL": "error"])
    }

    func crash(_ process: Process) {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func stop(_ process: Process) {
        process.terminate()
        process.waitUntilExit()
    }

    @Test("relay and one of two projectors killed mid-backlog and restarted: the read model equals a fresh build from the store")
    func killAndRestart() async throws {
        let broker = try DedicatedBroker()
        try await broker.start()
        try await withTestDatabase { client, database in
            let store = PostgresEventStore(client: client, logger: TestEnvironment.logger)
            try await appendCatalogAndOrders(store, products: 300)
            let total = Int64(try await readEverything(store).count)
            let relayCheckpoint: @Sendable () async -> Int64 = { (try? await store.checkpoint(of: EventRelay.Configuration().checkpointName)) ?? 0 }

            var relay = try startWorker("--relay", database: database, broker: broker)
            try await waitUntil { await relayCheckpoint() > 0 }
            crash(relay)
            let relayKilledAt = await relayCheckpoint()
            relay = try startWorker("--relay", database: database, broker: broker)
            try await waitUntil(timeout: .seconds(60)) { await relayCheckpoint() == total }

            // Two projectors share the partitions; one is killed mid-way while the other goes on.
            let ordersDone: @Sendable () async -> Int = { (try? await count("SELECT count(*) FROM order_history", client)) ?? 0 }
            var projector = try startWorker("--projector", database: database, broker: broker)
            let partner = try startWorker("--projector", database: database, broker: broker)
            try await waitUntil(timeout: .seconds(60)) { await ordersDone() > 20 }
            crash(projector)
            let projectorKilledAt = await ordersDone()
            projector = try startWorker("--projector", database: database, broker: broker)
            try await waitUntil(timeout: .seconds(120)) {
                let orders = await ordersDone()
                let stocked = (try? await count("SELECT count(*) FROM catalog_variants WHERE available = 8", client)) ?? 0
                return orders == 300 && stocked == 300
            }
            // Every read model has every event (counted from the store), and anything still in
            // flight (a republished copy) has arrived, before comparing.
            try await waitUntil(timeout: .seconds(120), interval: .milliseconds(250)) { await PipelineCheck.caughtUp(store) }
            try await Task.sleep(for: .seconds(1))
            stop(projector)
            stop(partner)
            stop(relay)
            TestEnvironment.logger.info("crash test", metadata: ["relayKilledAt": "\(relayKilledAt)/\(total)", "projectorKilledAt": "\(projectorKilledAt)/300"])

            let events = try await readEverything(store)
            try await withTestDatabase { reference, _ in
                _ = try await reference.withTransaction(logger: TestEnvironment.logger) { connection in
                    try await ProjectionApplier.apply(events, to: WorkerSet.projections, on: connection, logger: TestEnvironment.logger)
                }
                #expect(try await readModel(reference) == readModel(client))
            }
        }
        await broker.stop()
    }
}
